-- One row per customer: products, balances, premiums due/overdue, contact history (calls
-- and tickets in the last 90 days before the data's as-of date), open tickets, complaints, RM.
with customers as (
    select * from {{ ref('dim_customer') }} where is_current
),

customer_details as (
    select customer_id, birth_date from {{ ref('int_customers_current') }}
),

rms as (
    select * from {{ ref('dim_relationship_manager') }}
),

horizon as (
    select * from {{ ref('int_data_horizon') }}
),

latest_balances as (
    select account_id, balance_after from {{ ref('int_account_balances') }}
),

accounts as (
    select
        accounts.customer_id,
        count(*) as n_accounts,
        sum(case when accounts.is_open then coalesce(latest_balances.balance_after, 0) else 0 end) as total_balance
    from {{ ref('dim_account') }} as accounts
    left join latest_balances on latest_balances.account_id = accounts.account_id
    group by accounts.customer_id
),

policies as (
    select
        customer_id,
        count(*) as n_policies,
        sum(case when status = 'active' then annual_premium else 0 end) as annual_premium_total
    from {{ ref('dim_policy') }}
    group by customer_id
),

premiums as (
    select
        customer_id,
        sum(case when premium_status = 'due' then amount_due else 0 end) as premium_due_amount,
        sum(case when premium_status = 'overdue' then amount_due - coalesce(amount_paid, 0) else 0 end) as premium_overdue_amount
    from {{ ref('fct_premiums') }}
    group by customer_id
),

calls as (
    select
        customer_id,
        count(distinct case when entered_date > {{ dbt.dateadd('day', -90, 'horizon.as_of_date') }} then call_id end) as calls_90d,
        max(entered_at) as last_call_at
    from {{ ref('fct_queue_calls') }}
    cross join horizon
    where customer_id is not null
    group by customer_id
),

tickets as (
    select
        customer_id,
        sum(case when created_date > {{ dbt.dateadd('day', -90, 'horizon.as_of_date') }} then 1 else 0 end) as tickets_90d,
        sum(case when is_open then 1 else 0 end) as open_tickets,
        sum(case when is_complaint and created_date > {{ dbt.dateadd('day', -90, 'horizon.as_of_date') }} then 1 else 0 end) as complaints_90d,
        max(created_at) as last_ticket_at
    from {{ ref('fct_tickets') }}
    cross join horizon
    where customer_id is not null
    group by customer_id
)

select
    customers.customer_id,
    customers.name,
    customers.gender,
    {{ dbt.right("cast(customer_details.birth_date as varchar)", 5) }} as birth_date_md,
    customers.birth_year,
    customers.province,
    customers.city,
    rms.center_id,
    customers.rm_id,
    customers.do_not_call,
    customers.phone_e164_masked,
    coalesce(accounts.n_accounts, 0) as n_accounts,
    coalesce(accounts.total_balance, 0) as total_balance,
    coalesce(policies.n_policies, 0) as n_policies,
    coalesce(policies.annual_premium_total, 0) as annual_premium_total,
    coalesce(premiums.premium_due_amount, 0) as premium_due_amount,
    coalesce(premiums.premium_overdue_amount, 0) as premium_overdue_amount,
    coalesce(calls.calls_90d, 0) as calls_90d,
    coalesce(tickets.tickets_90d, 0) as tickets_90d,
    coalesce(tickets.open_tickets, 0) as open_tickets,
    coalesce(tickets.complaints_90d, 0) as complaints_90d,
    greatest(calls.last_call_at, tickets.last_ticket_at) as last_contact_at
from customers
left join customer_details on customer_details.customer_id = customers.customer_id
left join rms on rms.rm_id = customers.rm_id
left join accounts on accounts.customer_id = customers.customer_id
left join policies on policies.customer_id = customers.customer_id
left join premiums on premiums.customer_id = customers.customer_id
left join calls on calls.customer_id = customers.customer_id
left join tickets on tickets.customer_id = customers.customer_id
