"""Fixtures for delivery tests: a real SMTP server (aiosmtpd) and a hand-made mini warehouse.

The mini warehouse holds the marts/ml tables the delivery room reads, with the contract's
column names, so the outbox and alerts can be tested without the full upstream build.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from ccdw.db import connect
from ccdw.settings import Settings

REPORT_DAY = date(2026, 11, 29)


@dataclass
class Received:
    envelope_from: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class RecordingHandler:
    """Stores every accepted message; can SIGKILL a client process after DATA arrives."""

    received: list[Received] = field(default_factory=list)
    kill_pid_after_data: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001
        mail = message_from_bytes(envelope.original_content or envelope.content, policy=policy.SMTP)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), mail))
        if self.kill_pid_after_data is not None:
            # The message is now on the server; the client dies before it reads "250".
            os.kill(self.kill_pid_after_data, signal.SIGKILL)
            self.kill_pid_after_data = None
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpServer:
    """A real SMTP server on 127.0.0.1 that the test can stop and start again on its port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.handler = RecordingHandler()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def smtp_settings(settings: Settings, server: SmtpServer) -> Settings:
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": server.port,
            "smtp_security": "none",
            "smtp_from": "ccdw@example.test",
        }
    )


MINI_SQL = """
create schema if not exists marts;
create schema if not exists ml;
create table marts.dim_center as select * from (values
    ('HQ', '总部 Head office', 'hq', null, null, null, null, null, null, null, null, 'HQ'),
    ('GD', '广东 Guangdong', 'province', 'HQ', '44', '广东', null, null, null, null, null, 'HQ/GD'),
    ('GD-GZ', '广州 Guangzhou', 'city', 'GD', '44', '广东', '4401', '广州', null, null, null, 'HQ/GD/GD-GZ'),
    ('GD-SZ', '深圳 Shenzhen', 'city', 'GD', '44', '广东', '4403', '深圳', null, null, null, 'HQ/GD/GD-SZ')
) t(center_id, name, level, parent_center_id, province_id, province_name, city_id, city_name,
    county_id, county_name, x, center_path);
alter table marts.dim_center drop column x;
create table marts.dim_queue as select * from (values
    ('gz-retail', 'GD-GZ', 'bank', 20), ('gz-claims', 'GD-GZ', 'insurance', 20),
    ('sz-retail', 'GD-SZ', 'bank', 20)
) t(queue, center_id, business_line, service_level_seconds);
create table marts.agg_queue_daily as
select q.queue, d::date as date, q.center_id,
       (100 + 10 * (hash(q.queue, d) % 1000)::int % 50)::bigint as offered,
       (85 + (hash(q.queue, d) % 1000)::int % 10)::bigint as answered,
       (10 + (hash(q.queue, d) % 1000)::int % 5)::bigint as abandoned,
       3::bigint as short_abandoned, 1::bigint as timeout, 0::bigint as exit_empty,
       0::bigint as exit_key, 0::bigint as withdrawn,
       (70 + (hash(q.queue, d) % 1000)::int % 10)::bigint as answered_within_sl,
       null::double as service_level, null::double as asterisk_service_level,
       (15 + (hash(q.queue, d) % 1000)::int % 20)::double as asa_seconds, null::double as abandon_rate,
       (240 + (hash(q.queue, d) % 1000)::int % 90)::double as aht_seconds,
       (200 + (hash(q.queue, d) % 1000)::int % 100)::double as max_wait_seconds
from marts.dim_queue q,
     (select unnest(generate_series(date '2026-11-29' - 30, date '2026-11-29', interval 1 day))
      union all
      select unnest(generate_series(date '2025-11-29' - 10, date '2025-11-29' + 3, interval 1 day))) s(d);
update marts.agg_queue_daily set
    service_level = answered_within_sl / (offered - short_abandoned),
    asterisk_service_level = answered_within_sl / answered,
    abandon_rate = abandoned / offered;
create table marts.agg_queue_interval as
select q.queue, d.date, q.center_id, d.date + to_minutes(30 * i) as interval_start,
       (2 + ((hash(q.queue, i) % 1000)::int % 8))::bigint as offered,
       (2 + ((hash(q.queue, i) % 1000)::int % 8) - (i % 2))::bigint as answered,
       (i % 2)::bigint as abandoned, 0::bigint as short_abandoned, 0::bigint as timeout,
       0::bigint as exit_empty, 0::bigint as exit_key, 0::bigint as withdrawn,
       (1 + ((hash(q.queue, i) % 1000)::int % 6))::bigint as answered_within_sl,
       null::double as service_level, null::double as asterisk_service_level,
       (10 + i)::double as asa_seconds, null::double as abandon_rate,
       250.0 as aht_seconds, 120.0 as max_wait_seconds
from marts.dim_queue q,
     (select distinct date from marts.agg_queue_daily where date >= date '2026-11-16') d,
     range(16, 42) r(i);
update marts.agg_queue_interval set
    service_level = answered_within_sl / nullif(offered - short_abandoned, 0),
    abandon_rate = abandoned / offered;
create table marts.dim_agent as select * from (values
    ('A001', '张伟', 'GD-GZ', 'team1'), ('A002', '李娜', 'GD-GZ', 'team1'),
    ('A003', '王芳', 'GD-SZ', 'team2')
) t(agent_id, name, center_id, team);
create table marts.agg_agent_daily as
select a.agent_id, d.date, (30 + (hash(a.agent_id, d.date) % 1000)::int % 20)::bigint as calls_handled,
       9000::bigint as talk_seconds, (250 + (hash(a.agent_id) % 1000)::int % 60)::double as aht_seconds,
       1::bigint as ring_no_answer, 2::bigint as transfers, 28800::bigint as logged_in_seconds,
       3600::bigint as paused_seconds, 0.8 as occupancy
from marts.dim_agent a, (select distinct date from marts.agg_queue_daily) d;
create table marts.fct_tickets as
select 'T' || i as ticket_id, timestamp '2026-11-16 09:00:00' + to_hours(i * 7) as created_at,
       'phone' as channel, 'C00' || (i % 3 + 1) as customer_id,
       case when i % 4 = 0 then 'complaint' else 'inquiry' end as category, 'normal' as priority,
       case when i % 2 = 0 then 'GD-GZ' else 'GD-SZ' end as center_id, 'A001' as agent_id,
       'service' as department, 'closed' as status,
       timestamp '2026-11-16 09:00:00' + to_hours(i * 7 + (i % 5) * 10) as resolved_at,
       null::timestamp as closed_at, ((i % 5) * 10)::double as resolution_hours,
       (i % 5) * 10 <= 24 as resolved_within_24h, 0 as reopen_count,
       true as first_contact_resolved, 4 as satisfaction
from range(0, 50) r(i);
create table marts.dim_relationship_manager as select * from (values
    ('RM1', '陈经理', 'rm1@example.test', 'GD-GZ'), ('RM2', '黄经理', null, 'GD-SZ')
) t(rm_id, name, email, center_id);
create table marts.mart_customer_360 as select * from (values
    ('C001', '赵小明', 'M', '05-01', 1980, '广东', '广州', 'GD-GZ', 'RM1', false,
     '+86138****5678', 2, 150000.00, 1, 3000.00, 0.0, 0.0, 2, 1, 0, 0, null::timestamp),
    ('C002', '钱小红', 'F', '07-12', 1975, '广东', '广州', 'GD-GZ', null, false,
     '+86139****1111', 1, 8000.00, 0, 0.0, 0.0, 0.0, 0, 0, 0, 0, null::timestamp),
    ('C003', '孙大力', 'M', '02-02', 1990, '广东', '深圳', 'GD-SZ', 'RM2', false,
     '+86137****2222', 1, 5000.00, 0, 0.0, 0.0, 0.0, 0, 0, 0, 0, null::timestamp)
) t(customer_id, name, gender, birth_date_md, birth_year, province, city, center_id, rm_id,
    do_not_call, phone_e164_masked, n_accounts, total_balance, n_policies,
    annual_premium_total, premium_due_amount, premium_overdue_amount, calls_90d, tickets_90d,
    open_tickets, complaints_90d, last_contact_at);
create table marts.fct_transactions as
select 'X' || i as txn_id, 'AC' || (i % 3 + 1) as account_id, 'C00' || (i % 3 + 1) as customer_id,
       timestamp '2026-11-28 10:00:00' + to_minutes(i) as booked_at, date '2026-11-28' as booked_date,
       -1000.0 * (i + 1) as amount, 1000.0 * (i + 1) as abs_amount, 'out' as direction,
       'transfer' as txn_type, 'mobile' as channel, 'acct ****' || (1000 + i) as counterparty,
       50000.0 as balance_after, 'CNY' as currency
from range(0, 9) r(i);
create table marts.agg_campaign_daily as select * from (values
    ('premium_reminder', date '2026-11-29', 100, 20, 90, 150, 60, 30, 4),
    ('premium_reminder', date '2026-11-28', 100, 20, 90, 150, 60, 10, 2),
    ('web_callback', date '2026-11-29', 10, 0, 10, 12, 9, 5, 0)
) t(campaign_id, date, treated_members, control_members, dialed_members, attempts,
    contacted_members, conversions_treated, conversions_control);
create table ml.fund_anomalies (
    anomaly_id varchar, customer_id varchar, account_id varchar, window_start timestamp,
    window_end timestamp, txn_ids varchar[], typology varchar, score double, reasons varchar,
    rm_id varchar, model_version varchar, detected_at timestamp);
insert into ml.fund_anomalies values
    ('AN-1', 'C001', 'AC1', '2026-11-28 10:00', '2026-11-28 10:08', ['X0', 'X3', 'X6'],
     'structuring', 0.91, '3 transfers just under 50,000 CNY within 8 minutes', 'RM1', 'v1',
     '2026-11-29 02:00'),
    ('AN-2', 'C002', 'AC2', '2026-11-28 10:01', '2026-11-28 10:07', ['X1', 'X4'],
     'large_outflow', 0.77, 'outflow 6x the 90-day median', null, 'v1', '2026-11-29 02:00'),
    ('AN-3', 'C003', 'AC3', '2026-11-28 10:02', '2026-11-28 10:08', ['X2', 'X5', 'X8'],
     'pass_through', 0.66, 'money in and out within 1 hour', 'RM2', 'v1', '2026-11-29 02:00');
"""


def mini_warehouse(home: Path, **overrides: object) -> Settings:
    """A warehouse with the marts/ml tables delivery reads (contract column names)."""
    settings = Settings(home=home, **overrides)
    with connect(settings) as con:
        con.execute(MINI_SQL)
    return settings


@pytest.fixture
def mini(tmp_path: Path) -> Settings:
    return mini_warehouse(
        tmp_path / "home",
        centers={"GD-GZ": {"alerts_default_recipient": "gz-desk@example.test"}},
    )
