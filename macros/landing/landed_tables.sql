{#- The fifteen tables of the landing zone: `<system>/<table>` with the base model that parses it
    and the staging model that keeps its good records. The audit models iterate this list. -#}
{% macro landed_tables() -%}
    {{ return([
        ('app/users', 'base_app__users', 'stg_app__users'),
        ('events/app_events', 'base_events__app_events', 'stg_events__app_events'),
        ('payments/payment_attempts', 'base_payments__payment_attempts', 'stg_payments__payment_attempts'),
        ('payments/chargebacks', 'base_payments__chargebacks', 'stg_payments__chargebacks'),
        ('payments/payouts', 'base_payments__payouts', 'stg_payments__payouts'),
        ('trading/trades', 'base_trading__trades', 'stg_trading__trades'),
        ('promotions/redemptions', 'base_promotions__redemptions', 'stg_promotions__redemptions'),
        ('marketing/search_ads', 'base_marketing__search_ads', 'stg_marketing__search_ads'),
        ('marketing/social_ads', 'base_marketing__social_ads', 'stg_marketing__social_ads'),
        ('marketing/affiliate', 'base_marketing__affiliate', 'stg_marketing__affiliate'),
        ('marketing/touchpoints', 'base_marketing__touchpoints', 'stg_marketing__touchpoints'),
        ('support/tickets', 'base_support__tickets', 'stg_support__tickets'),
        ('risk/decisions', 'base_risk__decisions', 'stg_risk__decisions'),
        ('risk/case_outcomes', 'base_risk__case_outcomes', 'stg_risk__case_outcomes'),
        ('reference/fx_rates', 'base_reference__fx_rates', 'stg_reference__fx_rates'),
    ]) }}
{%- endmacro %}
