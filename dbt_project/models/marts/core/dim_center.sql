-- Service centers with the province -> city -> county path flattened.
with centers as (
    select * from {{ ref('stg_raw__centers') }}
),

with_parents as (
    select
        centers.center_id,
        centers.center_name,
        centers.center_level,
        centers.parent_center_id,
        parents.center_id as parent_id,
        parents.center_name as parent_name,
        grandparents.center_id as grandparent_id,
        grandparents.center_name as grandparent_name
    from centers
    left join centers as parents on parents.center_id = centers.parent_center_id
    left join centers as grandparents on grandparents.center_id = parents.parent_center_id
),

flattened as (
    select
        center_id,
        center_name as name,
        center_level as level,
        parent_center_id,
        case center_level
            when 'province' then center_id when 'city' then parent_id else grandparent_id
        end as province_id,
        case center_level
            when 'province' then center_name when 'city' then parent_name else grandparent_name
        end as province_name,
        case center_level when 'city' then center_id when 'county' then parent_id end as city_id,
        case center_level when 'city' then center_name when 'county' then parent_name end as city_name,
        case center_level when 'county' then center_id end as county_id,
        case center_level when 'county' then center_name end as county_name
    from with_parents
)

select
    *,
    {{ dbt.concat(["coalesce(province_name, '')", "coalesce(' > ' || city_name, '')", "coalesce(' > ' || county_name, '')"]) }} as center_path
from flattened
