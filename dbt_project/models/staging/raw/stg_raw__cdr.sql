-- One row per CDR record (record identity: uniqueid+sequence, else uniqueid, else the row),
-- the latest delivered version; times site-local.
with cdr_rows as (
    {{ with_arrival('cdr') }}
),

ranked as (
    select
        *,
        {{ version_rank(['_record_key']) }} as version_rank
    from cdr_rows
),

renamed as (
    select
        _record_key as cdr_key,
        nullif(trim(uniqueid), '') as uniqueid,
        coalesce(nullif(trim(linkedid), ''), nullif(trim(uniqueid), '')) as linkedid,
        sequence as cdr_sequence,
        nullif(trim(accountcode), '') as accountcode,
        nullif(trim(src), '') as src,
        {{ normalize_phone_e164('src') }} as src_e164,
        nullif(trim(dst), '') as dst,
        nullif(trim(dcontext), '') as dcontext,
        nullif(trim(clid), '') as clid,
        nullif(trim(channel), '') as channel,
        nullif(trim(dstchannel), '') as dstchannel,
        nullif(trim(lastapp), '') as lastapp,
        nullif(trim(lastdata), '') as lastdata,
        cast({{ cdr_time_to_local('start') }} as timestamp) as started_at,
        cast({{ cdr_time_to_local('answer') }} as timestamp) as answered_at,
        cast({{ cdr_time_to_local('"end"') }} as timestamp) as ended_at,
        cast(duration as bigint) as duration_seconds,
        cast(billsec as bigint) as billsec_seconds,
        upper(trim(disposition)) as disposition,
        upper(trim(amaflags)) as amaflags,
        nullif(trim(userfield), '') as userfield,
        nullif(trim(peeraccount), '') as peeraccount,
        _file_id as source_file_id
    from ranked
    where version_rank = 1
)

select * from renamed
