{#- The strategy models whose output risk_alerts gathers. A new strategy is one SQL model with the
    standard output shape (strategy_id, entity_type, entity_id, condition_met_at, score,
    money_at_risk_usd, reason), its name here, and its row in seeds/risk_strategies.csv. -#}
{% macro risk_strategy_models() -%}
    {{ return([
        'strat_usr_card_testing',
        'strat_usr_account_takeover',
        'strat_usr_mule_cashout',
        'strat_usr_blocklist_hit',
        'strat_groups',
        'strat_usr_model_score',
    ]) }}
{%- endmacro %}

{#- The first scan at or after `moment` on a strategy's cadence: T+hours scans run every
    var t_hours_scan_every_hours hours on the clock, the T+1 scan daily at var
    t_plus_1_scan_hour_utc. -#}
{% macro next_scan_at(moment, cadence_column) -%}
    case
        when {{ cadence_column }} = 'T+hours' then
            time_bucket(interval '{{ var("t_hours_scan_every_hours") }} hours', {{ moment }})
            + case
                when time_bucket(interval '{{ var("t_hours_scan_every_hours") }} hours', {{ moment }}) = {{ moment }}
                    then interval 0 hours
                else interval '{{ var("t_hours_scan_every_hours") }} hours'
            end
        else
            date_trunc('day', {{ moment }} - interval '{{ var("t_plus_1_scan_hour_utc") }} hours')
            + interval '{{ var("t_plus_1_scan_hour_utc") }} hours'
            + case
                when date_trunc('day', {{ moment }} - interval '{{ var("t_plus_1_scan_hour_utc") }} hours')
                    + interval '{{ var("t_plus_1_scan_hour_utc") }} hours' = {{ moment }}
                    then interval 0 days
                else interval 1 day
            end
    end
{%- endmacro %}
