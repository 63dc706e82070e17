"""The `pattern`s of the OpenAPI document for rules about letters and digits, spelled so that
ECMA-262 (JSON Schema's dialect, which ajv and generated clients use) and Python's `re` read
them alike.

`\\w` is every Unicode letter and digit to Python but only `[A-Za-z0-9_]` to ECMA-262, so a
client validating with the document would refuse keys such as "ключ" that the app accepts. The
class is therefore written out: the code points and ranges of Unicode categories L* and N*, from
this Python's Unicode database, which the app's own checks (`unicodedata.category`) read too.
"""

from __future__ import annotations

import unicodedata

# Planes 4 to 16 hold no letter or digit (unassigned, tags and variation selectors, private
# use); tests/unit/test_document_patterns.py compares every code point up to U+10FFFF.
_SCANNED_UP_TO = 0x40000


# Runs only at import, before mutmut can switch a mutant on; the test named checks the result.
# pragma: no mutate start - import time (tests/unit/test_document_patterns.py)
def _letters_and_digits() -> str:
    """The inside of a character class: each run of L*/N* code points as a literal range."""
    runs: list[str] = []
    start: int | None = None
    for code in range(_SCANNED_UP_TO + 1):
        inside = code < _SCANNED_UP_TO and unicodedata.category(chr(code))[0] in "LN"
        if inside and start is None:
            start = code
        elif not inside and start is not None:
            last = code - 1
            runs.append(chr(start) if start == last else f"{chr(start)}-{chr(last)}")
            start = None
    return "".join(runs)


# pragma: no mutate end


# No letter or digit is special inside a class in either dialect; a final "-" is literal in both.
LETTERS_AND_DIGITS = _letters_and_digits()
# Unicode letters and digits and _ . : - (`preference_service.key_problem`).
PREFERENCE_KEY_PATTERN = f"^[{LETTERS_AND_DIGITS}_.:-]+$"
# Unicode letters and digits and - _ ., not "." or ".." (`model_inputs.endpoint_name_problem`).
ENDPOINT_NAME_PATTERN = rf"^(?!\.\.?$)[{LETTERS_AND_DIGITS}_.-]+$"
