"""What the sessions in noxfile.py run: each module does one job, the noxfile only wires them."""
