"""Schedules, in the site's time zone (``CCDW_TIMEZONE``)."""


from datetime import timedelta

import dagster as dg

from ccdw.settings import get_settings
from pipelines.jobs import daily_report_job, full_pipeline_job, report_run_config, weekly_report_job

SITE_TZ = get_settings().timezone

nightly_full_schedule = dg.ScheduleDefinition(
    name="nightly_full",
    job=full_pipeline_job,
    cron_schedule="0 2 * * *",
    execution_timezone=SITE_TZ,
    description="02:00 site time: the whole pipeline (new files, marts, scores, campaigns).",
)


@dg.schedule(
    name="daily_report",
    job=daily_report_job,
    cron_schedule="30 6 * * *",
    execution_timezone=SITE_TZ,
    description="06:30 site time: yesterday's report per center, sent once.",
)
def daily_report_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    day = (context.scheduled_execution_time.date() - timedelta(days=1)).isoformat()
    return dg.RunRequest(
        run_key=f"daily-report-{day}", run_config=report_run_config("daily", day)
    )


@dg.schedule(
    name="weekly_report",
    job=weekly_report_job,
    cron_schedule="0 7 * * 1",
    execution_timezone=SITE_TZ,
    description="Monday 07:00 site time: last week's (Mon-Sun) report per center, sent once.",
)
def weekly_report_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    last_week = context.scheduled_execution_time.date() - timedelta(days=7)
    monday = last_week - timedelta(days=last_week.weekday())
    return dg.RunRequest(
        run_key=f"weekly-report-{monday.isoformat()}",
        run_config=report_run_config("weekly", monday.isoformat()),
    )


SCHEDULES = [nightly_full_schedule, daily_report_schedule, weekly_report_schedule]
