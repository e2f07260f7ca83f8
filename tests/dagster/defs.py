"""Dagster definitions for jr's integration tests: jobs that succeed, fail,
need config and run long. Loaded by `dagster dev -f tests/dagster/defs.py`."""

import sys
import time

from dagster import (
    Config,
    Definitions,
    OpExecutionContext,
    ScheduleDefinition,
    SkipReason,
    job,
    op,
    sensor,
)


@op
def say_hello(context: OpExecutionContext):
    context.log.info("hello from dagster 안녕")
    print("captured stdout line 표준출력")
    print("captured stderr line", file=sys.stderr)
    return 1


@job(description="Succeeds at once.")
def hello():
    say_hello()


@op
def explode():
    raise ValueError("boom: the step failed on purpose")


@job(description="Fails in its one step.")
def broken():
    explode()


class GreetConfig(Config):
    name: str
    times: int


@op
def greet(context: OpExecutionContext, config: GreetConfig):
    for _ in range(config.times):
        context.log.info(f"greetings, {config.name}")


@job(description="Needs run config: ops.greet.config.{name, times}.")
def needs_config():
    greet()


class NapConfig(Config):
    seconds: float = 60.0


@op
def nap(context: OpExecutionContext, config: NapConfig):
    end = time.time() + config.seconds
    n = 0
    while time.time() < end:
        n += 1
        print(f"tick {n}", flush=True)
        time.sleep(1)
    context.log.info("woke up")


@job(description="Runs for a while (ops.nap.config.seconds, default 60).")
def slow():
    nap()


hello_hourly = ScheduleDefinition(name="hello_hourly", job=hello, cron_schedule="0 * * * *")


@sensor(job=hello, minimum_interval_seconds=3600)
def quiet_sensor(context):
    return SkipReason("never fires")


defs = Definitions(
    jobs=[hello, broken, needs_config, slow],
    schedules=[hello_hourly],
    sensors=[quiet_sensor],
)
