with event_rows as (
    {{ with_arrival('ticket_events') }}
),

ranked as (
    select *, {{ version_rank(['ticket_id', 'event_at', 'event']) }} as version_rank
    from event_rows
),

renamed as (
    select
        trim(ticket_id) as ticket_id,
        event_at,
        lower(trim(event)) as ticket_event,
        nullif(trim(from_department), '') as from_department,
        nullif(trim(to_department), '') as to_department,
        nullif(trim(actor), '') as actor,
        _file_id as source_file_id
    from ranked
    where version_rank = 1
)

select * from renamed
