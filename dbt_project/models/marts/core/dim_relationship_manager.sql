select
    rm_id,
    rm_name as name,
    email,
    center_id
from {{ ref('stg_raw__relationship_managers') }}
