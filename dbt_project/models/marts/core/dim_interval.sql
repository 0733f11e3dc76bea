-- The 48 half-hour intervals of a day.
with slots as (
    {{ int_series(48) }}
)

select
    n as interval_index,
    cast(floor(n / 2.0) as integer) as hour,
    (n % 2) * 30 as minute,
    {{ dbt.concat(["lpad(cast(cast(floor(n / 2.0) as integer) as varchar), 2, '0')", "':'", "case when n % 2 = 0 then '00' else '30' end"]) }} as interval_label
from slots
