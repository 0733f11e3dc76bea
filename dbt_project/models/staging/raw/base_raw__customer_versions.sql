-- Every landed version of every customer, normalised, ordered oldest (1) to latest.
-- stg_raw__customers keeps the latest; int_customer_history builds the SCD2 history from it.
with customer_rows as (
    {{ with_arrival('customers') }}
),

ranked as (
    select *, {{ version_rank(['customer_id'], 'updated_at') }} as version_rank_desc
    from customer_rows
),

renamed as (
    select
        trim(customer_id) as customer_id,
        name as customer_name,
        case upper(trim(gender)) when 'M' then 'M' when 'F' then 'F' end as gender,
        birth_date,
        upper(nullif(trim(id_number), '')) as id_number,
        nullif(trim(phone), '') as phone_raw,
        {{ normalize_phone_e164('phone') }} as phone_e164,
        {{ phone_extension("phone") }} as phone_extension,
        nullif(trim(phone2), '') as phone2_raw,
        {{ normalize_phone_e164('phone2') }} as phone2_e164,
        {{ phone_extension('phone2') }} as phone2_extension,
        nullif(trim(email), '') as email,
        nullif(trim(province), '') as province,
        nullif(trim(city), '') as city,
        nullif(trim(rm_id), '') as rm_id,
        created_at,
        coalesce(do_not_call, false) as do_not_call,
        updated_at,
        version_rank_desc = 1 as is_latest,
        version_rank_desc,
        _file_mtime as arrived_at,
        _file_id as source_file_id
    from ranked
)

select * from renamed
