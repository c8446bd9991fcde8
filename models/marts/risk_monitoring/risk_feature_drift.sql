{%- set features = [
    'payment_attempts', 'declined_attempts', 'suspicious_declines', 'distinct_cards',
    'max_attempts_in_hour', 'topup_usd', 'failed_logins', 'devices_used', 'payouts', 'payout_usd',
    'trades_bought', 'bonus_usd',
] -%}
{%- set money_features = ['topup_usd', 'payout_usd', 'bonus_usd'] -%}
{%- set epsilon = var('feature_drift_psi_epsilon') -%}
-- Population stability index (PSI) per risk feature and signup day: how far the distribution of a
-- feature among the users who signed up that day has moved from the reference population (the
-- signup cohorts of the first {{ var('feature_drift_reference_days') }} days of data). Features are
-- measured over each user's first {{ var('feature_drift_window_days') }} days after signup
-- (int_risk_monitoring__early_life_features), so a day is compared once its cohort's window has
-- closed; every day of the data window has its row per feature, so the days still waiting for their
-- window read as such (cohort_window_closed false, no users compared yet) instead of being missing.
-- USD features are compared in whole dollars: a bonus of 10 EUR is 10.76 USD one day and 10.78 the
-- next, and cents of exchange-rate movement must not carry users across a bin edge.
-- Bins: the distinct deciles of the reference (quantile_disc, so tied and zero-inflated features get
-- fewer, wider bins), open-ended at both ends. PSI = sum over bins of
-- (current share - reference share) x ln(current share / reference share), an empty bin counted as
-- half a user (at least {{ epsilon }}). A day is graded only when it has enough new users and the
-- PSI expected from sampling alone is small next to the thresholds.
with data_window as (
    select * from {{ ref('int_platform__data_window') }}
),

reference_period as (
    select
        first_activity_date as reference_start_date,
        first_activity_date + {{ var('feature_drift_reference_days') - 1 }} as reference_end_date
    from data_window
),

users as (
    select early_life.*
    from {{ ref('int_risk_monitoring__early_life_features') }} as early_life
    where early_life.is_window_complete
),

-- the latest delivery, as the early-life windows are judged complete against it
features_cutoff as (
    select max(features_as_of) as features_as_of
    from {{ ref('risk_user_features') }}
),

drift_features as (
    {% for feature in features -%}
        select '{{ feature }}' as feature
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

feature_values as (
    {% for feature in features %}
        select
            user_id,
            signup_date,
            '{{ feature }}' as feature,
            {% if feature in money_features -%}
                round({{ feature }})::double
            {%- else -%}
                {{ feature }}::double
            {%- endif %} as feature_value
        from users
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

reference_values as (
    select feature_values.*
    from feature_values
    cross join reference_period
    where
        feature_values.signup_date
        between reference_period.reference_start_date and reference_period.reference_end_date
),

reference_edges as (
    select
        feature,
        unnest(
            list_distinct(quantile_disc(feature_value, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]))
        ) as edge
    from reference_values
    group by feature
),

numbered_edges as (
    select
        feature,
        edge,
        row_number() over (partition by feature order by edge) as edge_number
    from reference_edges
),

-- bin n holds values in (edge n-1, edge n]; the first bin is open below, an extra last bin holds
-- everything above the highest edge
bins as (
    select
        feature,
        edge_number as bin_number,
        coalesce(lag(edge) over (partition by feature order by edge), '-infinity'::double) as lower_edge,
        edge as upper_edge
    from numbered_edges
    union all
    select
        feature,
        max(edge_number) + 1 as bin_number,
        max(edge) as lower_edge,
        'infinity'::double as upper_edge
    from numbered_edges
    group by feature
),

binned as (
    select
        feature_values.signup_date,
        feature_values.feature,
        feature_values.feature_value,
        bins.bin_number
    from feature_values
    inner join bins
        on
            feature_values.feature = bins.feature
            and feature_values.feature_value > bins.lower_edge
            and feature_values.feature_value <= bins.upper_edge
),

reference_shares as (
    select
        bins.feature,
        bins.bin_number,
        count(binned.feature_value) as reference_users_in_bin,
        sum(count(binned.feature_value)) over (partition by bins.feature) as reference_users
    from bins
    cross join reference_period
    left join binned
        on
            bins.feature = binned.feature
            and bins.bin_number = binned.bin_number
            and binned.signup_date between reference_period.reference_start_date and reference_period.reference_end_date
    group by bins.feature, bins.bin_number
),

drift_days as (
    select drift_spine.drift_date::date as drift_date
    from data_window
    cross join
        generate_series(
            data_window.first_activity_date,
            data_window.last_activity_date,
            interval 1 day
        ) as drift_spine (drift_date)
),

current_counts as (
    select
        signup_date as drift_date,
        feature,
        bin_number,
        count(*) as current_users_in_bin
    from binned
    group by all
),

bin_shares as (
    select
        drift_days.drift_date,
        reference_shares.feature,
        reference_shares.bin_number,
        reference_shares.reference_users,
        reference_shares.reference_users_in_bin / reference_shares.reference_users as reference_share,
        coalesce(current_counts.current_users_in_bin, 0) as current_users_in_bin,
        sum(coalesce(current_counts.current_users_in_bin, 0)) over (
            partition by drift_days.drift_date, reference_shares.feature
        ) as current_users
    from drift_days
    cross join reference_shares
    left join current_counts
        on
            drift_days.drift_date = current_counts.drift_date
            and reference_shares.feature = current_counts.feature
            and reference_shares.bin_number = current_counts.bin_number
),

-- an empty bin counts as half a user (never less than the epsilon): a fixed tiny epsilon would
-- make one empty rare bin of a small cohort look like a drift
smoothed_shares as (
    select
        *,
        case
            when current_users_in_bin > 0 then current_users_in_bin / current_users
            else greatest(0.5 / nullif(current_users, 0), {{ epsilon }})
        end as current_share,
        case
            when reference_share > 0 then reference_share
            else greatest(0.5 / reference_users, {{ epsilon }})
        end as smoothed_reference_share
    from bin_shares
),

-- null on a day without new users (greatest() skips the null share, so the sum alone would not be)
psi as (
    select
        drift_date,
        feature,
        max(reference_users) as reference_users,
        max(current_users) as current_users,
        count(*) as bins,
        case when max(current_users) > 0 then {{ exact_sum(
            '(current_share - smoothed_reference_share) * ln(current_share / smoothed_reference_share)', 18
        ) }} end as psi
    from smoothed_shares
    group by drift_date, feature
),

-- the PSI two samples of the same distribution show on average, from sampling alone
noise as (
    select
        *,
        case
            when current_users > 0 then (bins - 1) * (1.0 / current_users + 1.0 / reference_users)
        end as expected_psi_no_drift
    from psi
),

assessed as (
    select
        *,
        coalesce(
            current_users >= {{ var('feature_drift_min_users') }}
            and expected_psi_no_drift <= {{ var('feature_drift_max_expected_psi') }},
            false
        ) as is_assessed
    from noise
),

reference_means as (
    select
        feature,
        {{ exact_avg('feature_value') }} as reference_mean,
        avg(case when feature_value = 0 then 1.0 else 0.0 end) as reference_zero_share
    from reference_values
    group by feature
),

current_means as (
    select
        signup_date as drift_date,
        feature,
        {{ exact_avg('feature_value') }} as current_mean,
        avg(case when feature_value = 0 then 1.0 else 0.0 end) as current_zero_share
    from feature_values
    group by all
),

-- every day x feature, also before any cohort window has closed (no reference yet: no bins)
drift_grid as (
    select
        drift_days.drift_date,
        drift_features.feature,
        drift_days.drift_date + interval {{ var('feature_drift_window_days') + 1 }} day
        <= features_cutoff.features_as_of as cohort_window_closed
    from drift_days
    cross join drift_features
    cross join features_cutoff
)

select
    drift_grid.drift_date::date as drift_date,
    drift_grid.feature::varchar as feature,
    assessed.psi::double as psi,
    coalesce(assessed.reference_users, 0)::bigint as reference_users,
    coalesce(assessed.current_users, 0)::bigint as current_users,
    case
        when not coalesce(assessed.is_assessed, false) then 'stable'
        when assessed.psi >= {{ var('feature_drift_psi_act') }} then 'act'
        when assessed.psi >= {{ var('feature_drift_psi_watch') }} then 'watch'
        else 'stable'
    end::varchar as drift_level,
    coalesce(assessed.is_assessed, false)::boolean as is_assessed,
    coalesce(drift_grid.cohort_window_closed, false)::boolean as cohort_window_closed,
    assessed.expected_psi_no_drift::double as expected_psi_no_drift,
    assessed.bins::bigint as bins,
    drift_grid.drift_date between reference_period.reference_start_date
    and reference_period.reference_end_date as is_reference_day,
    reference_period.reference_start_date::date as reference_start_date,
    reference_period.reference_end_date::date as reference_end_date,
    reference_means.reference_mean::double as reference_mean,
    current_means.current_mean::double as current_mean,
    reference_means.reference_zero_share::double as reference_zero_share,
    current_means.current_zero_share::double as current_zero_share
from drift_grid
cross join reference_period
left join assessed
    on drift_grid.drift_date = assessed.drift_date and drift_grid.feature = assessed.feature
left join reference_means on drift_grid.feature = reference_means.feature
left join current_means
    on drift_grid.drift_date = current_means.drift_date and drift_grid.feature = current_means.feature
