"""`nox -s soak`: the app under load and faults at once, and what it must still guarantee.

One job a module: `cli` (options, the phases in order), `backend` (the database the app uses),
`processes` (the app and the bare ceiling app under uvicorn, their memory), `workspace` (the
fake workspace and the soak's users), `scenario` (what each virtual user does and records),
`load` (locust, headless, in a process of its own), `faults` (the seeded fault schedule),
`monitor` (database connections sampled during the run), `verdicts` (what fails the session),
`figures` (throughput and latency from the records), `report` (coverage/soak.md and its plot).
"""
