with ticket_rows as (
    {{ with_arrival('tickets') }}
),

ranked as (
    select *, {{ version_rank(['ticket_id'], 'updated_at') }} as version_rank
    from ticket_rows
),

renamed as (
    select
        trim(ticket_id) as ticket_id,
        created_at,
        lower(nullif(trim(channel), '')) as channel,
        nullif(trim(customer_id), '') as customer_id,
        {{ normalize_phone_e164('caller_number') }} as caller_e164,
        nullif(trim(call_uniqueid), '') as call_uniqueid,
        lower(nullif(trim(category), '')) as category,
        nullif(trim(subcategory), '') as subcategory,
        lower(nullif(trim(priority), '')) as priority,
        nullif(trim(center_id), '') as center_id,
        nullif(trim(agent_id), '') as agent_id,
        nullif(trim(department), '') as department,
        lower(nullif(trim(status), '')) as ticket_status,
        resolved_at,
        closed_at,
        first_contact_resolved,
        satisfaction,
        summary,
        updated_at,
        _file_id as source_file_id
    from ranked
    where version_rank = 1
)

select * from renamed
