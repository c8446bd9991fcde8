{#- Which delivered version of a key a staging model keeps (rank 1) and when the key was first
    delivered. Staging applies them to the good records of its base model, over all deliveries, so
    the base models stay row-by-row (and can load only new files). `order_by` puts the winner
    first: the latest version for CDC tables and restatements, the first delivery for immutable
    facts. -#}
{% macro version_rank(key_columns, order_by) -%}
    row_number() over (partition by {{ key_columns | join(', ') }} order by {{ order_by }})
{%- endmacro %}

{% macro first_delivered_at(key_columns) -%}
    min(_batch_at) over (partition by {{ key_columns | join(', ') }})
{%- endmacro %}

{#- The records of `relation` that satisfy `where`, one per key: the version `order_by` ranks first,
    with `_first_batch_at` (the key's first delivery) and `_version_rank` (always 1), as
    version_rank and first_delivered_at would give. For facts whose keys are mostly delivered once
    (events, touches, attempts): only the keys seen more than once are ranked, where a window over
    every record sorts the whole table (stg_events__app_events at 200k users: 17.5 s -> 14.9 s,
    same rows). A CDC table, where most keys have several versions, gains nothing from the split:
    it ranks every record with the two macros above. Joins rather than QUALIFY or EXISTS, so the
    SQL runs on Spark as well. -#}
{% macro first_ranked_versions(relation, key_columns, order_by, where='true') -%}
    {%- set on_repeated_key -%}
        {%- for key in key_columns %}
            {{ 'and ' if not loop.first }}candidates.{{ key }} = repeated_keys._repeated_key_{{ loop.index }}
        {%- endfor %}
    {%- endset %}
    with candidates as (
        select * from {{ relation }}
        where {{ where }}
    ),

    repeated_keys as (
        select
            {%- for key in key_columns %}
                {{ key }} as _repeated_key_{{ loop.index }}{{ ',' if not loop.last }}
            {%- endfor %}
        from candidates
        group by {{ key_columns | join(', ') }}
        having count(*) > 1
    ),

    ranked_repeats as (
        select
            candidates.*,
            {{ first_delivered_at(key_columns) }} as _first_batch_at,
            {{ version_rank(key_columns, order_by) }} as _version_rank
        from candidates
        inner join repeated_keys
            on {{ on_repeated_key }}
    )

    select
        candidates.*,
        candidates._batch_at as _first_batch_at,
        cast(1 as bigint) as _version_rank
    from candidates
    left join repeated_keys
        on {{ on_repeated_key }}
    where repeated_keys._repeated_key_1 is null
    union all
    select ranked_repeats.*
    from ranked_repeats
    where ranked_repeats._version_rank = 1
{%- endmacro %}

{#- Latest delivery wins; ties inside one delivery go to the later line. -#}
{% macro latest_delivery_first() -%}
    _batch desc, _record_number desc
{%- endmacro %}

{#- Exact re-deliveries of an immutable fact: keep the first, so `_batch_at` is when it became known. -#}
{% macro first_delivery_first() -%}
    _batch asc, _record_number asc
{%- endmacro %}

{#- ASOF join to the day's USD rate or the latest earlier one, per the fx_rates contract. -#}
{% macro join_usd_rate(currency_column, date_expression) -%}
    {{ return(adapter.dispatch('join_usd_rate', 'marketplace_warehouse')(currency_column, date_expression)) }}
{%- endmacro %}

{% macro default__join_usd_rate(currency_column, date_expression) -%}
    asof left join {{ ref('stg_reference__fx_rates') }} as fx_rates
        on {{ currency_column }} = fx_rates.currency
        and {{ date_expression }} >= fx_rates.rate_date
{%- endmacro %}

{#- Incremental staging of a table whose staged rows depend on their own key's deliveries alone
    (no join to other tables): on an incremental run, only the keys that have a record in a
    delivery this model has not seen yet (a `_batch` absent from it) are re-ranked, over every
    delivery of those keys, and replace their rows (`delete+insert` on the key). Keys without a
    new delivery keep their row, which a full rebuild would rank the same way, so any sequence of
    runs gives the rows of one full build; the cost follows the new deliveries, not the history.
    A delivery whose records all lost (or were rejected) is looked at again next time: harmless. -#}
{% macro only_keys_with_new_deliveries(base_relation, key_column) -%}
    {#- a unit test that does not mock an incremental run has no `this` -#}
    {%- if this is not none and is_incremental() -%}
        and {{ key_column }} in (
            select new_deliveries.{{ key_column }}
            from {{ base_relation }} as new_deliveries
            where
                new_deliveries._reject_reason is null
                and new_deliveries._batch not in (select distinct staged._batch from {{ this }} as staged)
        )
    {%- endif -%}
{%- endmacro %}
