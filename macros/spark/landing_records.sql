{#-
    Landing-zone readers for Spark: the `spark__` implementations behind the dispatching readers
    of macros/landing/landing_records.sql (whose `default__` bodies are DuckDB's). Same contract: one row per delivered record with
    `_file`, `_batch`, `_batch_at`, `_record_number`, `_raw_record`, `_structure_error` and every
    declared column as text.

    Spark differences handled here: the file path comes from the `_metadata` column; list
    positions are 1-based and `array_position` returns 0 (not null) for a missing header;
    `element_at` fails out of range under ANSI mode (so `try_element_at`); there is no
    json_valid/json_type (a line is an object when `json_object_keys` is not null); regular
    expressions are Java's, and SQL string literals take backslash escapes (so `\\r`).
    Incremental loads keep only files not loaded yet, by path.
-#}

{% macro spark__landing_batch_columns(file_column) -%}
    regexp_extract({{ file_column }}, '([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2})\\.[A-Za-z]+$', 1) as _batch,
    try_to_timestamp(
        regexp_extract({{ file_column }}, '([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2})\\.[A-Za-z]+$', 1),
        "yyyy-MM-dd'T'HH"
    ) + interval 1 hour as _batch_at
{%- endmacro %}

{#- Files this model has not loaded yet (all of them on a full build). -#}
{% macro spark__new_files_only(file_column) -%}
    {%- if is_incremental() %}
    where {{ file_column }} not in (select distinct _file from {{ this }})
    {%- endif %}
{%- endmacro %}

{% macro spark__csv_field_value(field) -%}
    nullif(
        case
            when startswith({{ field }}, '"') and endswith({{ field }}, '"') and length({{ field }}) >= 2
                then replace(substring({{ field }}, 2, length({{ field }}) - 2), '""', '"')
            else {{ field }}
        end,
        ''
    )
{%- endmacro %}

{% macro spark__landing_csv_records(relation, columns) -%}
with landed_files as (
    select
        _metadata.file_path as _file,
        regexp_extract_all(value, '((?:"(?:[^"]|"")*"|[^"\\r\\n])*)(?:\\r?\\n|$)', 1) as file_records
    from {{ relation }}
    {{ spark__new_files_only('_metadata.file_path') }}
),

file_lines as (
    select
        _file,
        record_position + 1 as _line_number,
        record_text as _raw_record
    from landed_files
    lateral view posexplode(file_records) exploded as record_position, record_text
),

file_headers as (
    select
        _file,
        transform(
            regexp_extract_all(concat(',', replace(_raw_record, '\ufeff', '')), ',("(?:[^"]|"")*"|[^,"]*)', 1),
            header_field -> lower(trim({{ spark__csv_field_value('header_field') }}))
        ) as header_fields
    from file_lines
    where _line_number = 1
),

data_lines as (
    select
        file_lines._file,
        file_lines._line_number,
        file_lines._raw_record,
        file_headers.header_fields,
        regexp_extract_all(concat(',', file_lines._raw_record), ',("(?:[^"]|"")*"|[^,"]*)', 1) as record_fields
    from file_lines
    inner join file_headers on file_lines._file = file_headers._file
    where file_lines._line_number > 1 and trim(file_lines._raw_record) <> ''
)

select
    _file,
    {{ spark__landing_batch_columns('_file') }},
    _line_number as _record_number,
    _raw_record,
    case
        when size(record_fields) < size(header_fields) then 'too_few_fields'
        when size(record_fields) > size(header_fields) then 'too_many_fields'
    end as _structure_error,
    {%- for column in columns %}
    {{ spark__csv_field_value("try_element_at(record_fields, cast(nullif(array_position(header_fields, '" ~ column ~ "'), 0) as int))") }} as {{ column }}
    {{- "," if not loop.last }}
    {%- endfor %}
from data_lines
{%- endmacro %}

{% macro spark__landing_jsonl_records(relation, columns, json_columns=[]) -%}
with landed_files as (
    select
        _metadata.file_path as _file,
        split(value, '\n') as file_lines
    from {{ relation }}
    {{ spark__new_files_only('_metadata.file_path') }}
),

file_lines as (
    select
        _file,
        line_position + 1 as _line_number,
        regexp_replace(line_text, '\r$', '') as _raw_record
    from landed_files
    lateral view posexplode(file_lines) exploded as line_position, line_text
),

data_lines as (
    select
        _file,
        _line_number,
        _raw_record,
        json_object_keys(_raw_record) is not null as is_json_object
    from file_lines
    where trim(_raw_record) <> ''
)

select
    _file,
    {{ spark__landing_batch_columns('_file') }},
    _line_number as _record_number,
    _raw_record,
    {%- for column in json_columns %}
    case when is_json_object then get_json_object(_raw_record, '$.{{ column }}') end as {{ column }},
    {%- endfor %}
    {%- for column in columns %}
    nullif(case when is_json_object then get_json_object(_raw_record, '$.{{ column }}') end, '') as {{ column }},
    {%- endfor %}
    case when not is_json_object then 'malformed_json' end as _structure_error
from data_lines
{%- endmacro %}

{% macro spark__landing_parquet_records(relation, columns) -%}
select
    _metadata.file_path as _file,
    {{ spark__landing_batch_columns('_metadata.file_path') }},
    _metadata.row_index + 1 as _record_number,
    to_json(named_struct(
        {%- for column in columns %}'{{ column }}', {{ column }}{{ ", " if not loop.last }}{% endfor -%}
    )) as _raw_record,
    cast(null as string) as _structure_error,
    {%- for column in columns %}
    {{ column }}{{ "," if not loop.last }}
    {%- endfor %}
from {{ relation }}
{{ spark__new_files_only('_metadata.file_path') }}
{%- endmacro %}
