-- SCD2: each customer has exactly one current version and versions do not overlap.
select customer_id
from {{ ref('dim_customer') }}
group by customer_id
having sum(case when is_current then 1 else 0 end) <> 1
union all
select later.customer_id
from {{ ref('dim_customer') }} as earlier
inner join {{ ref('dim_customer') }} as later
    on later.customer_id = earlier.customer_id
    and later.version_no = earlier.version_no + 1
where earlier.valid_to is distinct from later.valid_from
