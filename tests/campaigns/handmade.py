"""A small hand-made warehouse with the marts/ml/raw tables the campaigns read
(columns as docs/interfaces.md names them)."""

from __future__ import annotations

from datetime import datetime, timedelta

from ccdw.db import connect
from ccdw.ops import ensure_ops_schema
from ccdw.settings import Settings

# Wednesday 2026-12-02 09:30 site time.
AS_OF = datetime(2026, 12, 2, 9, 30)


def phone(n: int) -> str:
    return f"+86138{n:08d}"


def build_handmade(settings: Settings, *, extra_high_value: int = 0) -> None:
    with connect(settings) as con:
        con.execute("begin transaction")
        ensure_ops_schema(con)
        for schema in ("marts", "ml", "raw"):
            con.execute(f"create schema if not exists {schema}")
        con.execute("create table marts.customer_contact_restricted (customer_id varchar, "
                    "phone_e164 varchar, phone2_e164 varchar, email varchar)")
        con.execute("create table marts.dim_customer (customer_id varchar, is_current boolean, "
                    "do_not_call boolean)")
        con.execute("create table marts.mart_customer_360 (customer_id varchar, "
                    "birth_date_md varchar, n_policies integer, n_accounts integer, "
                    "do_not_call boolean)")
        con.execute("create table ml.customer_value (customer_id varchar, value_score double, "
                    "value_rank integer, is_high_value boolean, segment varchar)")
        con.execute("create table marts.fct_premiums (policy_id varchar, customer_id varchar, "
                    "due_date date, amount_due decimal(18,2), paid_at timestamp, "
                    "amount_paid decimal(18,2), is_paid boolean, overdue_days integer, "
                    "premium_status varchar)")
        con.execute("create table ml.fund_anomalies (anomaly_id varchar, customer_id varchar, "
                    "account_id varchar, typology varchar, score double, detected_at timestamp, "
                    "window_end timestamp)")
        con.execute("create table marts.fct_queue_calls (queue_call_id varchar, call_id varchar, "
                    "queue varchar, entered_at timestamp, outcome varchar, customer_id varchar)")
        con.execute("create table marts.queue_call_numbers_restricted (queue_call_id varchar, "
                    "call_id varchar, caller_e164 varchar)")
        con.execute("create table raw.web_callbacks (request_id varchar, requested_at timestamp, "
                    "phone varchar, customer_id varchar, topic varchar, preferred_from timestamp, "
                    "preferred_to timestamp, _file_id bigint, _line_no bigint)")
        con.execute("create table raw.dnc (phone varchar, added_at timestamp, source varchar)")

        customers = {
            # id: (phone, do_not_call, birthday MM-DD, products, high value)
            "C1": (phone(1), False, "12-05", 1, True),
            "C2": (phone(2), True, None, 1, True),
            "C3": (phone(3), False, None, 1, True),  # number on the DNC registry
            "C4": ("12345", False, None, 1, True),  # not a valid number
            "C5": (phone(5), False, None, 1, True),  # premium due: reminder beats retention
            "C6": (phone(6), False, None, 5, False),  # open anomaly
            "C7": (phone(7), False, None, 0, True),  # called 2 hours ago: frequency cap
            "C8": (phone(8), False, None, 4, True),  # too many products for retention
        }
        for i in range(extra_high_value):
            customers[f"H{i:04d}"] = (phone(1000 + i), False, None, 0, True)
        rows = [(rank, cid, *values) for rank, (cid, values) in enumerate(customers.items(), 1)]
        con.executemany("insert into marts.customer_contact_restricted values (?, ?, null, null)",
                        [[cid, ph] for _, cid, ph, *_ in rows])
        con.executemany("insert into marts.dim_customer values (?, true, ?)",
                        [[cid, dnc] for _, cid, _, dnc, *_ in rows])
        con.executemany("insert into marts.mart_customer_360 values (?, ?, ?, 0, ?)",
                        [[cid, bday, products, dnc] for _, cid, _, dnc, bday, products, _ in rows])
        con.executemany("insert into ml.customer_value values (?, ?, ?, ?, 'x')",
                        [[cid, 1000.0 - rank, rank, high] for rank, cid, *_, high in rows])
        con.execute("insert into raw.dnc values ('13800000003', '2026-01-01', 'regulator')")
        con.execute("insert into marts.fct_premiums values ('P5', 'C5', ?, 1200, null, null, "
                    "false, 0, 'due'), ('P8', 'C8', ?, 900, ?, 900, true, 0, 'paid')",
                    [AS_OF.date() + timedelta(days=3), AS_OF.date(), AS_OF])
        con.execute("insert into ml.fund_anomalies values ('A6', 'C6', 'AC6', 'large_outflow', "
                    "0.9, ?, ?)", [AS_OF + timedelta(hours=1), AS_OF - timedelta(days=2)])
        # Abandoned calls: +8613900000001 never got through; ...02 was answered 1 h later.
        con.execute(
            """insert into marts.fct_queue_calls values
               ('Q1', 'u1', 'general', ?, 'abandoned', null),
               ('Q2', 'u2', 'general', ?, 'abandoned', null),
               ('Q3', 'u3', 'general', ?, 'answered', null)""",
            [AS_OF - timedelta(hours=3), AS_OF - timedelta(hours=5), AS_OF - timedelta(hours=4)])
        con.execute("""insert into marts.queue_call_numbers_restricted values
                       ('Q1', 'u1', '+8613900000001'), ('Q2', 'u2', '+8613900000002'),
                       ('Q3', 'u3', '+8613900000002')""")
        con.execute(
            """insert into raw.web_callbacks values
               ('W1', ?, '13900000011', null, 'claim', ?, ?, 1, 2),
               ('W2', ?, '13900000012', null, 'loan', ?, ?, 1, 3)""",
            [AS_OF - timedelta(hours=1), AS_OF.replace(hour=21), AS_OF.replace(hour=22),
             AS_OF - timedelta(hours=1), AS_OF.replace(hour=10) + timedelta(days=1),
             AS_OF.replace(hour=11) + timedelta(days=1)])
        # C7 was called two hours ago by some campaign.
        con.execute("""insert into ops.campaign_members (campaign_id, member_id, customer_id,
                       phone_e164, priority, is_control, status)
                       values ('old', 'MOLD7', 'C7', ?, 1, false, 'done')""", [phone(7)])
        con.execute("""insert into ops.dial_attempts (attempt_id, member_id, action_id, sent_at,
                       response, final_status) values ('MOLD7-1', 'MOLD7', 'MOLD7-1', ?,
                       'Success', 'answered')""", [AS_OF - timedelta(hours=2)])
        con.execute("commit")
