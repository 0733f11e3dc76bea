-- Ticket categories and subcategories seen in the tickets feed.
with categories as (
    select distinct category, subcategory
    from {{ ref('fct_tickets') }}
    where category is not null
)

select
    {{ dbt.concat(["category", "'|'", "coalesce(subcategory, '')"]) }} as ticket_category_key,
    category,
    subcategory,
    category = 'complaint' as is_complaint
from categories
