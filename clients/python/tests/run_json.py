"""Runs the tests in this folder and prints one JSON line per test ({"test", "status", "detail"}),
for test/redis/client-python.test.ts, which reports each as a node:test subtest. Exit status 1 when any
failed. Usage: /usr/bin/python3 clients/python/tests/run_json.py"""

from __future__ import annotations

import json
import sys
import time
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


class JsonResult(unittest.TextTestResult):
    _started = 0.0

    def startTest(self, test):  # noqa: N802 - unittest's names
        self._started = time.monotonic()
        super().startTest(test)

    def _emit(self, test: unittest.TestCase, status: str, detail: str = "") -> None:
        seconds = round(time.monotonic() - self._started, 3)
        print(json.dumps({"test": test.id(), "description": test.shortDescription() or "", "status": status, "seconds": seconds, "detail": detail}), flush=True)

    def addSuccess(self, test):  # noqa: N802 - unittest's names
        super().addSuccess(test)
        self._emit(test, "pass")

    def addFailure(self, test, err):  # noqa: N802
        super().addFailure(test, err)
        self._emit(test, "fail", self._exc_info_to_string(err, test))

    def addError(self, test, err):  # noqa: N802
        super().addError(test, err)
        self._emit(test, "error", self._exc_info_to_string(err, test))

    def addSkip(self, test, reason):  # noqa: N802
        super().addSkip(test, reason)
        self._emit(test, "skip", reason)


def main() -> int:
    suite = unittest.defaultTestLoader.discover(str(HERE), pattern="test_*.py", top_level_dir=str(HERE.parent))
    runner = unittest.TextTestRunner(stream=sys.stderr, resultclass=JsonResult, verbosity=0)
    result = runner.run(suite)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
