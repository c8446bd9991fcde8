{#-
    Key-level incremental models whose rows of a key are a function of their inputs' rows of that
    key alone (a user's attribution credits of the user's touch path, say). Such a model needs no
    reach rules: it keeps, per key, a fingerprint of the input rows it read
    (`intermediate.<model>__fingerprints_read`), and a run rebuilds the keys whose fingerprint
    changed, appeared or went, and keeps every other key's rows, which a full build would compute
    from the same input rows.

    `inputs` is a list of selects, each giving the key columns and the input columns the model
    uses. A key's fingerprint is the sum of its rows' hashes (with the input's position), so it
    does not depend on row order; two different multisets of rows share one with a chance of
    about 2^-64. Costs one scan of the inputs (the fingerprints are computed before the rows, into
    `__fingerprints_next_read`, which becomes `__fingerprints_read` after them, in the same
    transaction). Uses the temporary key list and the delete of deliveries_read.sql.
-#}

{#- The fingerprint of every key of the inputs, as they are now. -#}
{% macro input_fingerprints(key_columns, inputs) -%}
    {%- set keys = key_columns | join(', ') -%}
    select
        {{ keys }},
        sum(row_hash) as fingerprint
    from (
        {%- for input_sql in inputs %}
        select
            {{ keys }},
            hash({{ loop.index }}, input_rows)::hugeint as row_hash
        from ({{ input_sql }}) as input_rows
        {{ 'union all' if not loop.last }}
        {%- endfor %}
    ) as hashed_rows
    group by {{ keys }}
{%- endmacro %}

{#- The keys whose fingerprint now (`__fingerprints_next_read`) differs from the one the last run kept
    (new and gone keys too). -#}
{% macro keys_with_changed_inputs(key_columns) -%}
    select
        {%- for key in key_columns %}
        coalesce(fingerprints_now.{{ key }}, fingerprints_read.{{ key }}) as {{ key }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ rows_read_relation('fingerprints_next') }} as fingerprints_now
    full outer join {{ rows_read_relation('fingerprints') }} as fingerprints_read
        on
            {%- for key in key_columns %}
            {{ 'and ' if not loop.first }}fingerprints_now.{{ key }} = fingerprints_read.{{ key }}
            {%- endfor %}
    where fingerprints_now.fingerprint is distinct from fingerprints_read.fingerprint
{%- endmacro %}

{#- Pre-hook: list the keys with changed inputs and delete their rows (every row when the model
    has no fingerprints to compare with). -#}
{% macro rebuild_keys_with_changed_inputs(key_columns, inputs) -%}
    {%- if rebuilds_changed_keys_only('fingerprints') -%}
        create or replace table {{ rows_read_relation('fingerprints_next') }} as
        {{ input_fingerprints(key_columns, inputs) }};
        {{ list_keys_to_rebuild(keys_with_changed_inputs(key_columns), 'fingerprints') }};
    {%- endif %}
    {{ delete_keys_to_rebuild(key_columns, 'fingerprints') }}
{%- endmacro %}

{#- Post-hook: keep the fingerprints of the inputs this run read (those the pre-hook computed, or
    on a full build these); the list of keys is dropped. -#}
{% macro remember_input_fingerprints(key_columns, inputs) -%}
    {%- if not execute -%}
        {{- return('') -}}
    {%- endif -%}
    {%- if rebuilds_changed_keys_only('fingerprints') -%}
        drop table {{ rows_read_relation('fingerprints') }};
        alter table {{ rows_read_relation('fingerprints_next') }}
        rename to {{ rows_read_relation('fingerprints').identifier }};
    {%- else -%}
        {{ remember_rows_read('fingerprints', input_fingerprints(key_columns, inputs)) }};
    {%- endif %}
    drop table if exists {{ keys_to_rebuild() }}
{%- endmacro %}
