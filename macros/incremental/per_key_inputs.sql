{#- The inputs of the models that input_fingerprints.sql keeps incremental by key: per model, the
    selects of the key and of the input columns the model reads. A column left out here must not
    change the model's rows. -#}

{#- int_users__attribution_credits, by user: the user's acquisition channel and touch path. -#}
{% macro attribution_credit_inputs() -%}
    {{- return([
        "select user_id, acquisition_channel from " ~ ref('int_users__acquisition'),
        "select user_id, touch_id, touch_number, touch_type, touched_at, installed_at, channel, campaign_id from "
            ~ ref('int_users__touch_paths'),
    ]) -}}
{%- endmacro %}

{#- acq_attribution, by user: the user's conversions, credits and fraud status. -#}
{% macro attribution_inputs() -%}
    {{- return([
        "select user_id, conversion_type, converted_at from " ~ ref('int_users__conversions'),
        "select * from " ~ ref('int_users__attribution_credits'),
        "select user_id, is_fraud from " ~ ref('int_users__fraud_status'),
    ]) -}}
{%- endmacro %}

{#- acq_attribution_channel_daily, by conversion day: the day's attributed conversions and the D30
    revenue of their users. -#}
{% macro attribution_channel_daily_inputs() -%}
    {{- return([
        "select attribution.*, outcomes.revenue_d30_usd from " ~ ref('acq_attribution') ~ " as attribution"
            ~ " left join " ~ ref('int_users__acquisition_outcomes') ~ " as outcomes"
            ~ " on attribution.user_id = outcomes.user_id",
    ]) -}}
{%- endmacro %}
