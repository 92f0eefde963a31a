"""`aiinv metrics`: an environment's Lambda, queue and alarm figures from CloudWatch, without the AWS CLI.

environment.py  what the synthesized stacks define: functions, queues, alarms (thresholds resolved)
window.py       the time window and its periods
queries.py      the GetMetricData queries for what is watched
fetch.py        the AWS calls: one GetMetricData batch (paged), alarm states, deployed queues
report.py       figures per function and queue, and the alarms whose thresholds they cross
render.py       the terminal table and the JSON
stacks.py       the synthesized stacks (reused, synthesized, or as they are with --skip-synth)
command.py      the command itself, once or refreshed in place (--watch)
"""
