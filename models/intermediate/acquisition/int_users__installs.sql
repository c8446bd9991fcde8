-- A user's install is the anonymous_id on the user's signup event (the earliest, if several);
-- its first app_open is the earliest app_open of that anonymous_id, whoever was logged in.
with events as (
    select * from {{ ref('stg_events__app_events') }}
),

signups as (
    select
        user_id,
        anonymous_id,
        occurred_at as signup_event_at,
        row_number() over (partition by user_id order by occurred_at, event_id) as signup_rank
    from events
    where event_type = 'signup' and user_id is not null and anonymous_id is not null
),

first_app_opens as (
    select
        anonymous_id,
        min(occurred_at) as first_app_open_at
    from events
    where event_type = 'app_open' and anonymous_id is not null
    group by anonymous_id
)

select
    signups.user_id,
    signups.anonymous_id,
    signups.signup_event_at,
    first_app_opens.first_app_open_at
from signups
left join first_app_opens on signups.anonymous_id = first_app_opens.anonymous_id
where signups.signup_rank = 1
