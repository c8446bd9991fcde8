{#- The fifteen tables of the landing zone: `<system>/<table>`, the base model that parses it, the
    staging model that keeps its good records, and the key (as parsed) that identifies a record
    across deliveries. The audit models iterate this list. -#}
{% macro landed_tables() -%}
    {{ return([
        ('app/users', 'base_app__users', 'stg_app__users', 'parsed_user_id'),
        ('events/app_events', 'base_events__app_events', 'stg_events__app_events', 'parsed_event_id'),
        ('payments/payment_attempts', 'base_payments__payment_attempts', 'stg_payments__payment_attempts', 'parsed_attempt_id'),
        ('payments/chargebacks', 'base_payments__chargebacks', 'stg_payments__chargebacks', 'parsed_chargeback_id'),
        ('payments/payouts', 'base_payments__payouts', 'stg_payments__payouts', 'parsed_payout_id'),
        ('trading/trades', 'base_trading__trades', 'stg_trading__trades', 'parsed_trade_id'),
        ('promotions/redemptions', 'base_promotions__redemptions', 'stg_promotions__redemptions', 'parsed_redemption_id'),
        ('marketing/search_ads', 'base_marketing__search_ads', 'stg_marketing__search_ads', 'row(parsed_report_date, parsed_campaign_id)'),
        ('marketing/social_ads', 'base_marketing__social_ads', 'stg_marketing__social_ads', 'row(parsed_date_start, parsed_campaign_id)'),
        ('marketing/affiliate', 'base_marketing__affiliate', 'stg_marketing__affiliate', 'row(parsed_day, parsed_partner_id)'),
        ('marketing/touchpoints', 'base_marketing__touchpoints', 'stg_marketing__touchpoints', 'parsed_touch_id'),
        ('support/tickets', 'base_support__tickets', 'stg_support__tickets', 'parsed_ticket_id'),
        ('risk/decisions', 'base_risk__decisions', 'stg_risk__decisions', 'parsed_decision_id'),
        ('risk/case_outcomes', 'base_risk__case_outcomes', 'stg_risk__case_outcomes', 'parsed_case_id'),
        ('reference/fx_rates', 'base_reference__fx_rates', 'stg_reference__fx_rates', 'row(parsed_rate_date, parsed_currency)'),
    ]) }}
{%- endmacro %}
