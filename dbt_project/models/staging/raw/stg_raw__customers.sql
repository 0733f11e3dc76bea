-- One row per customer: the latest version (latest-wins).
with customer_versions as (
    select * from {{ ref('base_raw__customer_versions') }}
),

latest as (
    select
        customer_id, customer_name, gender, birth_date, id_number, phone_raw, phone_e164,
        phone_extension, phone2_raw, phone2_e164, phone2_extension, email, province, city, rm_id, created_at,
        do_not_call, updated_at, source_file_id
    from customer_versions
    where is_latest
)

select * from latest
