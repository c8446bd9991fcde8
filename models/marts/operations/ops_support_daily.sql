-- Support desk per UTC day and ticket category, dense over the days of data and the categories
-- seen: tickets created, solved, still open at the end of the day, how they were resolved, the
-- median and total resolution time of the tickets solved that day, and CSAT (score sum and
-- responses; the average is their ratio). Tickets of internal test accounts are left out; a
-- ticket's current state is its latest delivery.
with data_window as (
    select * from {{ ref('int_platform__data_window') }}
),

test_accounts as (
    select user_id from {{ ref('stg_app__users') }}
    where is_test_account
),

tickets as (
    select
        tickets.ticket_id,
        coalesce(tickets.category, 'unknown') as category,
        tickets.status,
        tickets.resolution,
        tickets.csat,
        tickets.created_at,
        case when tickets.status = 'solved' then tickets.resolved_at end as solved_at
    from {{ ref('stg_support__tickets') }} as tickets
    left join test_accounts on tickets.user_id = test_accounts.user_id
    where test_accounts.user_id is null
),

categories as (
    select distinct category from tickets
),

spine as (
    select
        spine_days.date_day::date as date_day,
        categories.category
    from data_window
    cross join
        generate_series(
            data_window.first_activity_date, data_window.last_activity_date, interval '1 day'
        ) as spine_days (date_day)
    cross join categories
),

created as (
    select
        created_at::date as date_day,
        category,
        count(*) as tickets_created
    from tickets
    group by all
),

solved as (
    select
        solved_at::date as date_day,
        category,
        count(*) as tickets_solved,
        count(*) filter (where resolution = 'refunded') as refunded,
        count(*) filter (where resolution = 'restriction_lifted') as restrictions_lifted,
        count(*) filter (where resolution = 'restriction_upheld') as restrictions_upheld,
        count(*) filter (where resolution = 'answered') as answered,
        median(date_diff('second', created_at, solved_at) / 3600.0) as median_resolution_hours,
        sum(date_diff('second', created_at, solved_at)) / 3600.0 as resolution_hours_sum,
        count(csat) as csat_responses,
        coalesce(sum(csat), 0) as csat_score_sum
    from tickets
    where solved_at is not null
    group by all
),

open_at_end_of_day as (
    select
        spine.date_day,
        spine.category,
        count(tickets.ticket_id) as open_tickets
    from spine
    inner join tickets
        on
            spine.category = tickets.category
            and tickets.created_at < spine.date_day + 1
            and (tickets.solved_at is null or tickets.solved_at >= spine.date_day + 1)
    group by all
)

select
    spine.date_day::date as date_day,
    spine.category::varchar as category,
    coalesce(created.tickets_created, 0)::bigint as tickets_created,
    coalesce(solved.tickets_solved, 0)::bigint as tickets_solved,
    coalesce(open_at_end_of_day.open_tickets, 0)::bigint as open_tickets_end_of_day,
    coalesce(solved.refunded, 0)::bigint as refunded,
    coalesce(solved.restrictions_lifted, 0)::bigint as restrictions_lifted,
    coalesce(solved.restrictions_upheld, 0)::bigint as restrictions_upheld,
    coalesce(solved.answered, 0)::bigint as answered,
    solved.median_resolution_hours::double as median_resolution_hours,
    coalesce(solved.resolution_hours_sum, 0)::double as resolution_hours_sum,
    coalesce(solved.csat_responses, 0)::bigint as csat_responses,
    coalesce(solved.csat_score_sum, 0)::bigint as csat_score_sum,
    (solved.csat_score_sum / nullif(solved.csat_responses, 0))::double as avg_csat
from spine
left join created on spine.date_day = created.date_day and spine.category = created.category
left join solved on spine.date_day = solved.date_day and spine.category = solved.category
left join open_at_end_of_day
    on spine.date_day = open_at_end_of_day.date_day and spine.category = open_at_end_of_day.category
