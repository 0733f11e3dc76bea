"""A small hand-made serving warehouse with the interface columns (docs/interfaces.md).

Used to exercise every page (including ml/ops/campaign tables the tiny pipeline may leave
empty) independently of the upstream rooms. Deterministic: values come from hash().
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from ccdw.ops import ensure_ops_schema

END = date(2026, 11, 29)
DAYS = 14

_SQL = """
create schema if not exists marts; create schema if not exists ml; create schema if not exists raw;

create table marts.dim_center as select * from (values
 ('GD','广东省中心','province',null,'GD','广东省',null,null,null,null,'广东省'),
 ('GD-GZ','广州中心','city','GD','GD','广东省','GD-GZ','广州市',null,null,'广东省/广州市'),
 ('GD-GZ-TH','天河区中心','county','GD-GZ','GD','广东省','GD-GZ','广州市','GD-GZ-TH','天河区','广东省/广州市/天河区'),
 ('GD-SZ','深圳中心','city','GD','GD','广东省','GD-SZ','深圳市',null,null,'广东省/深圳市'),
 ('GD-SZ-NS','南山区中心','county','GD-SZ','GD','广东省','GD-SZ','深圳市','GD-SZ-NS','南山区','广东省/深圳市/南山区'),
 ('ZJ','浙江省中心','province',null,'ZJ','浙江省',null,null,null,null,'浙江省'),
 ('ZJ-HZ','杭州中心','city','ZJ','ZJ','浙江省','ZJ-HZ','杭州市',null,null,'浙江省/杭州市'),
 ('ZJ-HZ-XH','西湖区中心','county','ZJ-HZ','ZJ','浙江省','ZJ-HZ','杭州市','ZJ-HZ-XH','西湖区','浙江省/杭州市/西湖区')
) t(center_id, name, level, parent_center_id, province_id, province_name, city_id, city_name,
    county_id, county_name, center_path);

create table marts.dim_queue as select * from (values
 ('life','GD-GZ-TH','life',20), ('bank','GD-SZ-NS','bank',20), ('pnc','ZJ-HZ-XH','pnc',30)
) t(queue, center_id, business_line, service_level_seconds);

create table marts.dim_agent as
select 'A' || lpad(i::varchar, 3, '0') as agent_id,
       'SIP/' || (1000 + i)::varchar as queue_member,
       ['张伟','王芳','李娜','刘洋','陈静','杨磊','赵敏','黄强','周杰'][i] as name,
       ['GD-GZ-TH','GD-SZ-NS','ZJ-HZ-XH'][1 + (i - 1) % 3] as center_id,
       '一组' as team
from range(1, 10) r(i);

create table marts.fct_queue_calls as
with base as (
  select i,
         ['life','bank','pnc'][1 + i % 3] as queue,
         date '{end}' - interval ({days} - 1 - (i // 240) % {days}) day
           + interval (8 * 3600 + (hash(i, 't') % (12 * 3600))) second as entered_at,
         hash(i, 'o') % 100 as o, hash(i, 'w') % 90 as w
  from range(0, {days} * 240) r(i)
)
select 'Q' || i as queue_call_id, 'C' || i as call_id, b.queue, q.center_id, entered_at,
       case when o < 82 then 'answered' when o < 94 then 'abandoned' when o < 97 then 'timeout'
            else 'exit_empty' end as outcome,
       (w * (1 + (hour(entered_at) between 10 and 11)::int))::double as wait_seconds,
       case when o < 82 then 60 + hash(i, 'k') % 400 end::double as talk_seconds,
       case when o < 82 then 'A' || lpad((1 + 3 * (hash(i, 'a') % 3) + (i % 3))::varchar, 3, '0') end as agent_id,
       (hash(i, 'r') % 7 = 0)::int as ring_no_answer_count,
       (hash(i, 'x') % 15 = 0) as transferred,
       case when i % 4 <> 0 then 'C' || lpad((i % 40)::varchar, 4, '0') end as customer_id,
       '138****' || lpad((i % 10000)::varchar, 4, '0') as caller_number_masked
from base b join marts.dim_queue q using (queue);

create table marts.queue_call_numbers_restricted as
select queue_call_id, call_id, '+86138' || lpad((hash(customer_id) % 10000)::varchar, 4, '0')
       || lpad((cast(substr(queue_call_id, 2) as int) % 10000)::varchar, 4, '0') as caller_e164
from marts.fct_queue_calls;

create table marts.agg_queue_interval as
select queue, cast(entered_at as date) as date,
       time_bucket(interval 30 minute, entered_at) as interval_start, any_value(center_id) as center_id,
       count(*) as offered, count(*) filter (outcome = 'answered') as answered,
       count(*) filter (outcome = 'abandoned') as abandoned,
       count(*) filter (outcome = 'abandoned' and wait_seconds < 5) as short_abandoned,
       count(*) filter (outcome = 'timeout') as timeout,
       count(*) filter (outcome = 'exit_empty') as exit_empty, 0 as exit_key, 0 as withdrawn,
       count(*) filter (outcome = 'answered' and wait_seconds <= 20) as answered_within_sl,
       answered_within_sl / nullif(offered - short_abandoned, 0) as service_level,
       answered_within_sl / nullif(answered, 0) as asterisk_service_level,
       avg(wait_seconds) filter (outcome = 'answered') as asa_seconds,
       abandoned / nullif(offered, 0) as abandon_rate,
       avg(talk_seconds) as aht_seconds, null::double as acw_seconds,
       max(wait_seconds) as max_wait_seconds
from marts.fct_queue_calls group by all;

create table marts.agg_queue_daily as
select queue, date, any_value(center_id) as center_id, sum(offered)::bigint as offered,
       sum(answered)::bigint as answered, sum(abandoned)::bigint as abandoned,
       sum(short_abandoned)::bigint as short_abandoned, sum(timeout)::bigint as timeout,
       sum(exit_empty)::bigint as exit_empty, 0 as exit_key, 0 as withdrawn,
       sum(answered_within_sl)::bigint as answered_within_sl,
       sum(answered_within_sl) / nullif(sum(offered) - sum(short_abandoned), 0) as service_level,
       sum(answered_within_sl) / nullif(sum(answered), 0) as asterisk_service_level,
       sum(asa_seconds * answered) / nullif(sum(answered), 0) as asa_seconds,
       sum(abandoned) / nullif(sum(offered), 0) as abandon_rate,
       sum(aht_seconds * answered) / nullif(sum(answered), 0) as aht_seconds,
       null::double as acw_seconds, max(max_wait_seconds) as max_wait_seconds
from marts.agg_queue_interval group by queue, date;

create table marts.agg_agent_daily as
select agent_id, cast(entered_at as date) as date, count(*) as calls_handled,
       sum(talk_seconds) as talk_seconds, avg(talk_seconds) as aht_seconds,
       sum(ring_no_answer_count) as ring_no_answer, count(*) filter (transferred) as transfers,
       8 * 3600.0 as logged_in_seconds, 1800.0 as paused_seconds,
       sum(talk_seconds) / (8 * 3600.0 - 1800.0) as occupancy
from marts.fct_queue_calls where agent_id is not null group by all;

create table marts.mart_customer_360 as
select 'C' || lpad(i::varchar, 4, '0') as customer_id,
       ['王','李','张','刘','陈'][1 + i % 5] || ['小明','秀英','建国','丽娟'][1 + i % 4] as name,
       ['M','F'][1 + i % 2] as gender, '03-14' as birth_date_md, 1960 + i as birth_year,
       ['广东省','浙江省'][1 + i % 2] as province, ['广州市','杭州市'][1 + i % 2] as city,
       ['GD-GZ-TH','ZJ-HZ-XH'][1 + i % 2] as center_id,
       case when i % 3 = 0 then 'RM01' end as rm_id, i % 11 = 0 as do_not_call,
       '138****' || lpad((i * 37 % 10000)::varchar, 4, '0') as phone_e164_masked,
       1 + i % 3 as n_accounts, (1000 + i * i * 97 % 500000)::decimal(18,2) as total_balance,
       i % 3 as n_policies, (i % 3 * 2400)::decimal(18,2) as annual_premium_total,
       0::decimal(18,2) as premium_due_amount, (i % 7 = 0)::int * 800::decimal(18,2) as premium_overdue_amount,
       3 as calls_90d, 1 as tickets_90d, 0 as open_tickets, (i % 9 = 0)::int as complaints_90d,
       timestamp '{end} 10:00:00' as last_contact_at
from range(0, 40) r(i);

create table marts.dim_customer as
select row_number() over () as customer_key, customer_id, timestamp '2025-01-01' as valid_from,
       null::timestamp as valid_to, true as is_current, name, gender, birth_year, province, city,
       rm_id, phone_e164_masked, '4401**********1234' as id_number_masked, do_not_call
from marts.mart_customer_360;

create table marts.customer_contact_restricted as
select customer_id, '+86138' || lpad((i * 37 % 10000)::varchar, 4, '0') || '5678' as phone_e164,
       null as phone2_e164, null as email
from (select customer_id, cast(substr(customer_id, 2) as int) as i from marts.mart_customer_360);

create table marts.fct_tickets as
select 'T' || i as ticket_id,
       date '{end}' - interval (i % {days}) day + interval (9 * 3600 + i * 611 % 30000) second as created_at,
       ['phone','web','wechat'][1 + i % 3] as channel, 'C' || lpad((i % 40)::varchar, 4, '0') as customer_id,
       ['consultation','complaint','claim_report','service_request'][1 + i % 4] as category,
       ['normal','high','urgent','low'][1 + i % 4] as priority,
       ['GD-GZ-TH','GD-SZ-NS','ZJ-HZ-XH'][1 + i % 3] as center_id, 'A001' as agent_id,
       ['客服部','理赔部','银行卡部'][1 + i % 3] as department,
       ['resolved','closed','open','reopened'][1 + i % 4] as status,
       created_at + interval (i * 7 % 60) hour as resolved_at, null::timestamp as closed_at,
       (i * 7 % 60)::double as resolution_hours, (i * 7 % 60) <= 24 as resolved_within_24h,
       (i % 4 = 3)::int as reopen_count, i % 5 <> 0 as first_contact_resolved,
       1 + i % 5 as satisfaction
from range(0, 200) r(i);

create table ml.customer_value as
select customer_id, value_score, rank() over (order by value_score desc) as value_rank,
       rank() over (order by value_score desc) <= 8 as is_high_value,
       case when value_score > 0.7 then 'high' when value_score > 0.3 then 'medium' else 'low' end as segment,
       'v1' as model_version, timestamp '{end} 06:00:00' as scored_at
from (select customer_id, (hash(customer_id) % 1000) / 1000.0 as value_score from marts.mart_customer_360);

create table ml.fund_anomalies as
select 'AN' || i as anomaly_id, 'C' || lpad((i * 3 % 40)::varchar, 4, '0') as customer_id,
       'AC' || i as account_id, timestamp '{end}' - interval (i % 10) day as window_start,
       timestamp '{end}' - interval (i % 10) day + interval 6 hour as window_end,
       ['T' || i, 'T' || (i + 1)] as txn_ids,
       ['large_outflow','purchase_burst','structuring','pass_through'][1 + i % 4] as typology,
       0.5 + (i % 5) / 10.0 as score, '单笔转出 ¥' || (50000 + i * 1000) || '，为近90天均值的12倍' as reasons,
       case when i % 2 = 0 then 'RM01' end as rm_id, 'v1' as model_version,
       timestamp '{end} 07:00:00' - interval (i % 10) day as detected_at
from range(0, 12) r(i);

create table ml.model_runs as select 'v1' as model_version, 'customer_value' as model,
  timestamp '{end} 05:00:00' as trained_at, '{{}}' as params, '90d' as training_window, '{{"auc": 0.81}}' as metrics;

insert into ops.alert_feedback values
 ('AN0','RM01','confirmed','客户确认为本人操作', timestamp '{end} 09:00:00'),
 ('AN2','RM01','false_positive',null, timestamp '{end} 09:30:00');
insert into ops.outbox
select 'M' || i, 'alert', 'rm01@example.com', 'Fund anomaly AN' || i, 'alert:AN' || i || ':rm01@example.com',
       case when i % 3 = 0 then 'failed' else 'sent' end, 1, timestamp '{end} 07:05:00',
       null, null from range(0, 12) r(i);
insert into ops.campaign_members
select ['retention','cross_sell'][1 + i % 2], 'M' || i, 'C' || lpad((i % 40)::varchar, 4, '0'),
       '+8613800000000', 1, '高价值客户保有', i % 5 = 0, timestamp '{end}' - interval 7 day,
       timestamp '{end}' + interval 7 day,
       case when i % 5 = 0 then 'eligible' else ['done','queued','excluded'][1 + i % 3] end,
       case when i % 3 = 2 and i % 5 <> 0 then 'dnc' end
from range(0, 60) r(i);
insert into ops.dial_attempts
select 'DA' || i, 'M' || i, 'act' || i, timestamp '{end} 10:00:00' - interval (i % 7) day,
       'Success', case when i % 4 = 0 then 3 else 1 end, 'u' || i,
       case when i % 4 = 0 then 'answered' else 'no_answer' end
from range(0, 60) r(i) where i % 5 <> 0;

create table marts.agg_campaign_daily as
select m.campaign_id, cast(m.eligible_from as date) + interval (k) day as date,
       count(*) filter (not m.is_control)::bigint as treated_members,
       count(*) filter (m.is_control)::bigint as control_members,
       0 as dialed_members, 0 as attempts, 0 as answered_attempts, 0 as contacted_members,
       null::double as contact_rate, null::double as answer_rate,
       count(*) filter (not m.is_control and hash(m.member_id, k) % 4 = 0)::bigint as conversions_treated,
       count(*) filter (m.is_control and hash(m.member_id, k) % 9 = 0)::bigint as conversions_control,
       null::double as conversion_rate_treated, null::double as conversion_rate_control,
       null::double as lift, null::double as lift_ci_low, null::double as lift_ci_high
from ops.campaign_members m, range(0, 7) r(k) group by all;

create table raw.ingest_files as
select i as file_id, ['cdr','queue_log','customers','tickets'][1 + i % 4] as feed,
       'landing/' || feed || '/file' || i || '.csv' as path, md5(i::varchar) as sha256,
       10000 + i as bytes, case when i = 3 then 'gb18030' else 'utf-8' end as encoding,
       100 as rows_read, case when i = 5 then 0 else 97 end as rows_landed,
       case when i = 5 then 0 else 1 end as rows_duplicate, case when i = 5 then 0 else 2 end as rows_quarantined,
       case when i = 5 then 'duplicate' else 'landed' end as status,
       case when i = 5 then 'same bytes as file 1' end as message,
       timestamp '{end} 02:00:00' - interval (i) day as landed_at,
       timestamp '{end} 01:00:00' - interval (i) day as file_mtime
from range(0, 8) r(i);

create table raw.quarantine as
select file_id, feed, 2 + k as line_no,
       case when k = 0 then 'C0099,张三,M,1990-13-45,440106199003141234,13812345678'
            else '1732838400|C1|life|NONE|ENTERQUEUE||not-a-number' end as raw_line,
       case when k = 0 then 'unparseable birth_date: 1990-13-45' else 'bad epoch' end as reason
from raw.ingest_files, range(0, 2) r(k) where status = 'landed';
"""


def build_sample_warehouse(path: Path, *, end: date = END, days: int = DAYS) -> Path:
    """Write the sample warehouse to ``path`` (replacing it) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        ensure_ops_schema(con)
        for statement in _SQL.format(end=end.isoformat(), days=days).split(";\n"):
            if statement.strip():
                con.execute(statement)
        con.execute("checkpoint")
    finally:
        con.close()
    return path


APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
PAGE_FILES = (
    "overview", "queues", "agents", "centers", "customers",
    "anomalies", "campaigns", "tickets", "data_quality",
)
