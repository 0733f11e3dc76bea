-- RESTRICTED: unmasked contact data of current customers, for campaigns and delivery only.
select
    customer_id,
    phone_e164,
    phone2_e164,
    email
from {{ ref('stg_raw__customers') }}
