{%- set baseline_days = var('risk_warning_baseline_days') -%}
{%- set programme_days = var('chargeback_programme_window_days') -%}
{%- set min_events = var('risk_warning_min_events') -%}
{%- set min_denominator = var('risk_warning_min_denominator') -%}
{#- grain, CTE-safe name, periods per day -#}
{%- set grains = [('day', 'daily', 1), ('4h', 'four_hourly', 6)] -%}
-- Key risk indicators per period against their trailing baseline, with a warning level. Two grains
-- in one table (UTC days and 4-hour periods); dense periods over the data window. The baseline is
-- the previous {{ baseline_days }} days (var risk_warning_baseline_days): {{ baseline_days }} days
-- or {{ baseline_days * 6 }} 4-hour periods. Counts and amounts: mean and sample standard
-- deviation of the previous periods. Rates: summed numerators over summed denominators of the
-- previous periods, and the binomial standard deviation of the period's rate around it. Only
-- increases warn. Daily chargeback rates of Visa and Mastercard are also compared, over the
-- trailing {{ programme_days }} days, with the networks' monitoring-programme thresholds.
with actuals as (
    select * from {{ ref('int_risk_monitoring__kri_actuals') }}
),

windowed as (
    {% for grain, grain_name, periods_per_day in grains %}
        select
            actuals.*,
            {{ baseline_days * periods_per_day }} as full_baseline_periods,
            count(*) over (
                partition by actuals.kri, actuals.dimension order by actuals.period_start
                rows between {{ baseline_days * periods_per_day }} preceding and 1 preceding
            ) as baseline_periods,
            avg(actuals.numerator) over (
                partition by actuals.kri, actuals.dimension order by actuals.period_start
                rows between {{ baseline_days * periods_per_day }} preceding and 1 preceding
            ) as baseline_mean,
            stddev_samp(actuals.numerator) over (
                partition by actuals.kri, actuals.dimension order by actuals.period_start
                rows between {{ baseline_days * periods_per_day }} preceding and 1 preceding
            ) as baseline_sample_stddev,
            sum(actuals.numerator) over (
                partition by actuals.kri, actuals.dimension order by actuals.period_start
                rows between {{ baseline_days * periods_per_day }} preceding and 1 preceding
            ) as baseline_numerator,
            sum(actuals.denominator) over (
                partition by actuals.kri, actuals.dimension order by actuals.period_start
                rows between {{ baseline_days * periods_per_day }} preceding and 1 preceding
            ) as baseline_denominator,
            sum(actuals.numerator) over (
                partition by actuals.kri, actuals.dimension order by actuals.period_start
                rows between {{ programme_days * periods_per_day - 1 }} preceding and current row
            ) as trailing_numerator,
            sum(actuals.denominator) over (
                partition by actuals.kri, actuals.dimension order by actuals.period_start
                rows between {{ programme_days * periods_per_day - 1 }} preceding and current row
            ) as trailing_denominator
        from actuals
        where actuals.period_grain = '{{ grain }}'
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

typed as (
    select
        *,
        case
            when kri in ('payment_decline_rate', 'chargeback_rate') then 'rate'
            when kri = 'payout_usd' then 'amount_usd'
            else 'count'
        end as kri_type,
        -- the programmes judge a rolling month: compared at day grain only
        case
            when period_grain = 'day' and kri = 'chargeback_rate' and dimension = 'visa' then 'visa_vdmp'
            when period_grain = 'day' and kri = 'chargeback_rate' and dimension = 'mastercard' then 'mastercard_ecm'
        end as programme,
        case
            when period_grain = 'day' and kri = 'chargeback_rate' and dimension = 'visa'
                then {{ var('visa_vdmp_chargeback_rate') }}
            when period_grain = 'day' and kri = 'chargeback_rate' and dimension = 'mastercard'
                then {{ var('mastercard_ecm_chargeback_rate') }}
        end::double as programme_threshold
    from windowed
),

measured as (
    select
        *,
        case when kri_type = 'rate' then numerator / nullif(denominator, 0) else numerator end as kri_value,
        case
            when kri_type = 'rate' then baseline_numerator / nullif(baseline_denominator, 0)
            else baseline_mean
        end as baseline,
        case
            when kri_type = 'rate' then trailing_numerator / nullif(trailing_denominator, 0)
        end as trailing_rate,
        baseline_periods = full_baseline_periods as has_full_baseline,
        events >= {{ min_events }}
        and (kri_type <> 'rate' or denominator >= {{ min_denominator }}) as meets_min_volume
    from typed
),

deviations as (
    select
        *,
        case
            when kri_type = 'rate' then sqrt(baseline * (1 - baseline) / nullif(denominator, 0))
            else baseline_sample_stddev
        end as baseline_stddev
    from measured
),

rules as (
    select
        *,
        kri_value / nullif(baseline, 0) as ratio_to_baseline,
        (kri_value - baseline) / nullif(baseline_stddev, 0) as z_score,
        coalesce(
            kri_value > baseline + {{ var('risk_warning_act_sigmas') }} * baseline_stddev
            and kri_value >= {{ var('risk_warning_act_ratio') }} * baseline,
            false
        ) as exceeds_act_rule,
        coalesce(
            kri_value > baseline + {{ var('risk_warning_watch_sigmas') }} * baseline_stddev
            and kri_value >= {{ var('risk_warning_watch_ratio') }} * baseline,
            false
        ) as exceeds_watch_rule,
        case
            when
                programme_threshold is null
                or trailing_rate is null
                or trailing_numerator < {{ min_events }}
                or trailing_denominator < {{ min_denominator }}
                then 'ok'
            when trailing_rate >= programme_threshold then 'act'
            when trailing_rate >= {{ var('chargeback_programme_watch_share') }} * programme_threshold then 'watch'
            else 'ok'
        end as programme_level
    from deviations
),

levelled as (
    select
        *,
        case
            when not has_full_baseline or not meets_min_volume then 'ok'
            when exceeds_act_rule then 'act'
            when exceeds_watch_rule then 'watch'
            else 'ok'
        end as baseline_level,
        case
            when kri_type = 'rate' then printf('%.2f%%', kri_value * 100)
            when kri_type = 'amount_usd' then printf('%.0f USD', kri_value)
            else printf('%.0f', kri_value)
        end as value_text,
        case
            when kri_type = 'rate' then printf('%.2f%%', baseline * 100)
            when kri_type = 'amount_usd' then printf('%.0f USD', baseline)
            else printf('%.1f', baseline)
        end as baseline_text
    from rules
),

reasoned as (
    select
        *,
        case
            when programme_level = 'act' or baseline_level = 'act' then 'act'
            when programme_level = 'watch' or baseline_level = 'watch' then 'watch'
            else 'ok'
        end as warning_level,
        case
            when kri_value is null and kri = 'payment_decline_rate' then 'no payment attempts in the period'
            when kri_value is null then 'no succeeded payments in the period'
            when not has_full_baseline
                then printf(
                    'baseline warming up (%d of %d previous periods)', baseline_periods, full_baseline_periods
                )
            when baseline_level <> 'ok'
                then printf(
                    '%s above baseline: %s vs %s (%s, %s)',
                    baseline_level,
                    value_text,
                    baseline_text,
                    coalesce(printf('%.1fx', ratio_to_baseline), 'baseline 0'),
                    coalesce(printf('%+.1f sd', z_score), 'sd 0')
                )
            when exceeds_watch_rule
                then printf(
                    'above baseline (%s vs %s) on too little volume: %d records%s (minimum %d%s)',
                    value_text,
                    baseline_text,
                    events,
                    case when kri_type = 'rate' then printf(', %.0f in the denominator', denominator) else '' end,
                    {{ min_events }},
                    case when kri_type = 'rate' then printf(' and %d', {{ min_denominator }}) else '' end
                )
            else 'within normal range'
        end as baseline_reason,
        case
            when programme_level <> 'ok'
                then printf(
                    '%s: trailing %d-day chargeback rate %.2f%% (%.0f / %.0f) vs %s threshold %.2f%%',
                    programme_level,
                    {{ programme_days }},
                    trailing_rate * 100,
                    trailing_numerator,
                    trailing_denominator,
                    case when programme = 'visa_vdmp' then 'Visa VDMP' else 'Mastercard ECM' end,
                    programme_threshold * 100
                )
        end as programme_reason
    from levelled
)

select
    period_grain::varchar as period_grain,
    period_start::timestamp as period_start,
    period_end::timestamp as period_end,
    kri::varchar as kri,
    kri_type::varchar as kri_type,
    dimension::varchar as dimension,
    -- `value` is the contract's name for the figure (a keyword to the linter)
    kri_value::double as value,  -- noqa: RF04
    numerator::double as numerator,
    case when kri_type = 'rate' then denominator end::double as denominator,
    events::bigint as events,
    baseline_periods::bigint as baseline_periods,
    baseline::double as baseline,
    baseline_stddev::double as baseline_stddev,
    ratio_to_baseline::double as ratio_to_baseline,
    z_score::double as z_score,
    programme::varchar as programme,
    programme_threshold::double as programme_threshold,
    case when kri = 'chargeback_rate' then trailing_numerator end::double as trailing_chargebacks,
    case when kri = 'chargeback_rate' then trailing_denominator end::double as trailing_succeeded_payments,
    case when kri = 'chargeback_rate' then trailing_rate end::double as trailing_chargeback_rate,
    baseline_level::varchar as baseline_level,
    case when programme is not null then programme_level end::varchar as programme_level,
    warning_level::varchar as warning_level,
    concat_ws('; ', programme_reason, baseline_reason)::varchar as reason
from reasoned
