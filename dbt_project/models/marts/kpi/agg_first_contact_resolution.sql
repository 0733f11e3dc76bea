-- First-contact resolution rate per queue and date (observable contacts only).
with contacts as (
    select * from {{ ref('fct_contacts_fcr') }}
)

select
    queue,
    contact_date as date,
    center_id,
    count(*) as answered_contacts,
    sum(case when is_observable then 1 else 0 end) as observable_contacts,
    sum(case when is_observable and resolved_first_contact then 1 else 0 end) as resolved_first_contact,
    sum(case when is_observable and resolved_first_contact then 1 else 0 end) * 1.0
        / nullif(sum(case when is_observable then 1 else 0 end), 0) as fcr_rate
from contacts
group by queue, contact_date, center_id
