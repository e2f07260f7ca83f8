"""Dagster definitions for jr's integration tests: jobs that succeed, fail,
need config and run long, and a small asset graph (a chain of three, one
partitioned, one with a check, one that fails). Loaded through
tests/dagster/workspace.yaml. A file `extra_assets.py` in the working
directory (the tests' DAGSTER_HOME) adds assets: the reload test writes it."""

import os
import runpy
import sys
import time

from dagster import (
    AssetCheckResult,
    AssetExecutionContext,
    Config,
    Definitions,
    OpExecutionContext,
    ScheduleDefinition,
    MaterializeResult,
    SkipReason,
    StaticPartitionsDefinition,
    asset,
    asset_check,
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


@asset(group_name="etl", kinds={"python"}, description="Raw events, 원본 이벤트.")
def raw_events():
    return [1, 2, 3]


@asset(group_name="etl", kinds={"python"}, description="Events without duplicates.")
def cleaned_events(raw_events):
    return sorted(set(raw_events))


@asset(group_name="etl", description="The daily report built from cleaned events.")
def daily_report(context: AssetExecutionContext, cleaned_events):
    context.log.info("report written")
    return MaterializeResult(
        metadata={"rows": len(cleaned_events), "url": "http://reports.local/daily"}
    )


@asset_check(asset=cleaned_events, description="No event is negative.")
def cleaned_events_non_negative(cleaned_events):
    return AssetCheckResult(passed=all(e >= 0 for e in cleaned_events))


@asset(
    group_name="regions",
    partitions_def=StaticPartitionsDefinition(["kr", "us", "eu"]),
    description="One file per region.",
)
def region_files(context: AssetExecutionContext):
    context.log.info(f"region {context.partition_key}")
    return context.partition_key


@asset(group_name="etl", description="Always fails.")
def broken_asset():
    raise ValueError("boom: the asset failed on purpose")


@asset(group_name="agents", description="A graph agent implemented as an asset.")
def summary_graph(context: AssetExecutionContext):
    context.log.info("the graph answered")
    return MaterializeResult(metadata={"answer": "3 open tasks, 요약 완료", "steps": 2})


def extra_assets():
    path = os.path.join(os.getcwd(), "extra_assets.py")
    if not os.path.exists(path):
        return []
    return list(runpy.run_path(path).get("ASSETS", []))


defs = Definitions(
    assets=[raw_events, cleaned_events, daily_report, region_files, broken_asset, summary_graph]
    + extra_assets(),
    asset_checks=[cleaned_events_non_negative],
    jobs=[hello, broken, needs_config, slow],
    schedules=[hello_hourly],
    sensors=[quiet_sensor],
)
