# ansible-deploy's results recorder: per-host stats and every failed or
# unreachable task, written as JSON to the file named by
# IAC_ANSIBLE_RESULTS_FILE when the play ends. An aggregate callback, so the
# log keeps Ansible's normal output from the stdout callback.
from __future__ import annotations

DOCUMENTATION = """
    name: iac_results
    type: aggregate
    short_description: per-host results and failed tasks as JSON, for ansible-deploy
    description:
      - Writes the play recap of every host and each failed or unreachable task
        (host, task, message, file and line) to a JSON file.
    requirements:
      - enabled with ANSIBLE_CALLBACKS_ENABLED=iac_results
      - IAC_ANSIBLE_RESULTS_FILE names the output file
"""

import json
import os

from ansible.plugins.callback import CallbackBase

# Long module output (a stack trace, a whole stderr) is cut: the log has it all.
MAX_MESSAGE = 4000


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "iac_results"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.failures = []

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if not ignore_errors:
            self.failures.append(self._entry(result, "failed"))

    def v2_runner_on_unreachable(self, result):
        self.failures.append(self._entry(result, "unreachable"))

    def v2_playbook_on_stats(self, stats):
        hosts = {}
        for host in sorted(stats.processed.keys()):
            summary = stats.summarize(host)
            hosts[host] = {
                "ok": summary.get("ok", 0),
                "changed": summary.get("changed", 0),
                "failed": summary.get("failures", 0),
                "unreachable": summary.get("unreachable", 0),
                "skipped": summary.get("skipped", 0),
                "rescued": summary.get("rescued", 0),
                "ignored": summary.get("ignored", 0),
            }
        path = os.environ.get("IAC_ANSIBLE_RESULTS_FILE")
        if not path:
            return
        with open(path, "w", encoding="utf-8") as out:
            json.dump({"hosts": hosts, "failures": self.failures}, out)

    @staticmethod
    def _entry(result, kind):
        data = result._result
        message = data.get("msg") or data.get("stderr") or data.get("reason") or data.get("module_stderr") or ""
        task = result._task
        path = task.get_path() or ""
        file, _, line = path.rpartition(":")
        return {
            "host": result._host.get_name(),
            "task": task.get_name(),
            "kind": kind,
            "message": str(message)[:MAX_MESSAGE],
            "file": file if line.isdigit() else path,
            "line": int(line) if line.isdigit() else None,
        }
