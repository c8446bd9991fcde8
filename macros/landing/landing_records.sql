{#-
    Landing-zone readers. Each turns the files of one source table into one row per delivered
    record, with the delivery (`_batch`, `_batch_at`), the record's position in its file and the
    record as text, and every declared column as text: typing and validation happen in the base
    model, so a bad value becomes a counted rejection instead of a failed load.

    CSV is parsed here rather than with read_csv: columns must be matched by header name per file
    (new columns are appended from some batch on) and a row with too few fields must be rejected,
    not padded; read_csv can only do both by sniffing every file, which is slow on thousands of
    hourly files and fails outright on zero-byte deliveries.
-#}

{#- Each reader dispatches on the adapter: the DuckDB (`default__`) bodies below, the Spark ones in
    macros/spark/landing_records.sql. -#}
{% macro landing_csv_records(relation, columns) -%}
    {{ return(adapter.dispatch('landing_csv_records', 'marketplace_warehouse')(relation, columns)) }}
{%- endmacro %}

{% macro landing_jsonl_records(relation, columns, json_columns=[]) -%}
    {{ return(adapter.dispatch('landing_jsonl_records', 'marketplace_warehouse')(relation, columns, json_columns)) }}
{%- endmacro %}

{% macro landing_parquet_records(relation, columns) -%}
    {{ return(adapter.dispatch('landing_parquet_records', 'marketplace_warehouse')(relation, columns)) }}
{%- endmacro %}

{#- Whether a line holds more than blanks (`trim(line) <> ''`). trim copies the whole line, so a
    line starting with a printable ASCII character (which trim never removes) skips it. -#}
{% macro has_text(line) -%}
    (ascii({{ line }}) between 33 and 126 or trim({{ line }}) <> '')
{%- endmacro %}

{#- The delivery hour is the file's stem; its records are known from the end of that hour. -#}
{% macro landing_batch_columns(file_column) -%}
    regexp_extract({{ file_column }}, '([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2})\.[A-Za-z]+$', 1) as _batch,
    try_strptime(
        regexp_extract({{ file_column }}, '([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2})\.[A-Za-z]+$', 1),
        '%Y-%m-%dT%H'
    ) + interval 1 hour as _batch_at
{%- endmacro %}

{#- One CSV field as delivered: surrounding quotes removed, doubled quotes undone, empty = null. -#}
{% macro csv_field_value(field) -%}
    nullif(
        case
            when starts_with({{ field }}, '"') and ends_with({{ field }}, '"') and length({{ field }}) >= 2
                then replace({{ field }}[2:-2], '""', '"')
            else {{ field }}
        end,
        ''
    )
{%- endmacro %}

{% macro default__landing_csv_records(relation, columns) -%}
{#- RFC 4180 records: quoted fields may hold commas, quotes and line breaks. -#}
{%- set record_pattern = '((?:"(?:[^"]|"")*"|[^"\\r\\n])*)(?:\\r?\\n|$)' -%}
{#- Every field is read with the comma before it, so a record is given a leading comma. -#}
{%- set field_pattern = ',("(?:[^"]|"")*"|[^,"]*)' -%}
with landed_files as (
    select
        filename as _file,
        regexp_extract_all(content, '{{ record_pattern }}', 1) as file_records
    from {{ landing_files(relation) }}
),

file_lines as (
    select
        _file,
        unnest(file_records) as _raw_record,
        generate_subscripts(file_records, 1) as _line_number
    from landed_files
),

file_headers as (
    select
        _file,
        list_transform(
            regexp_extract_all(',' || replace(_raw_record, chr(65279), ''), '{{ field_pattern }}', 1),
            header_field -> lower(trim({{ csv_field_value('header_field') }}))
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
        regexp_extract_all(',' || file_lines._raw_record, '{{ field_pattern }}', 1) as record_fields
    from file_lines
    inner join file_headers on file_lines._file = file_headers._file
    where file_lines._line_number > 1 and {{ has_text('file_lines._raw_record') }}
)

select
    _file,
    {{ landing_batch_columns('_file') }},
    _line_number as _record_number,
    _raw_record,
    case
        when len(record_fields) < len(header_fields) then 'too_few_fields'
        when len(record_fields) > len(header_fields) then 'too_many_fields'
    end as _structure_error,
    {%- for column in columns %}
    {{ csv_field_value("record_fields[list_position(header_fields, '" ~ column ~ "')]") }} as {{ column }}
    {{- "," if not loop.last }}
    {%- endfor %}
from data_lines
{%- endmacro %}

{#- JSON lines: unknown keys are ignored; a line that is not a JSON object is rejected. -#}
{% macro default__landing_jsonl_records(relation, columns, json_columns=[]) -%}
with landed_files as (
    select
        filename as _file,
        string_split(content, chr(10)) as file_lines
    from {{ landing_files(relation) }}
),

split_lines as (
    select
        _file,
        unnest(file_lines) as line,
        generate_subscripts(file_lines, 1) as _line_number
    from landed_files
),

{#- rtrim copies every line; only CRLF lines need it. -#}
file_lines as (
    select
        _file,
        _line_number,
        case when ends_with(line, chr(13)) then rtrim(line, chr(13)) else line end as _raw_record
    from split_lines
),

data_lines as (
    select
        _file,
        _line_number,
        _raw_record,
        case when json_valid(_raw_record) then json_type(_raw_record) = 'OBJECT' else false end as is_json_object
    from file_lines
    where {{ has_text('_raw_record') }}
),

extracted as (
    select
        _file,
        _line_number,
        _raw_record,
        is_json_object,
        {%- for column in json_columns %}
        case when is_json_object then json_extract(_raw_record, '$.{{ column }}') end as {{ column }},
        {%- endfor %}
        case when is_json_object then json_extract_string(_raw_record, [
            {%- for column in columns %}'$.{{ column }}'{{ ", " if not loop.last }}{% endfor -%}
        ]) end as text_values
    from data_lines
)

select
    _file,
    {{ landing_batch_columns('_file') }},
    _line_number as _record_number,
    _raw_record,
    {%- for column in json_columns %}
    {{ column }},
    {%- endfor %}
    {%- for column in columns %}
    nullif(text_values[{{ loop.index }}], '') as {{ column }},
    {%- endfor %}
    case when not is_json_object then 'malformed_json' end as _structure_error
from extracted
{%- endmacro %}

{#- Parquet is typed by its writer; values are still validated like any other format. With no
    readable file yet (landing_files returns none) the reader selects no rows, as read_text does. -#}
{% macro default__landing_parquet_records(relation, columns) -%}
{%- set files = landing_files(relation) -%}
{%- if files is none -%}
    {%- set files -%}
(
    select
        null::varchar as filename,
        null::bigint as file_row_number,
        {%- for column in columns %}
        null::varchar as {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    where false
)
    {%- endset -%}
{%- endif %}
select
    filename as _file,
    {{ landing_batch_columns('filename') }},
    file_row_number + 1 as _record_number,
    to_json(struct_pack(
        {%- for column in columns %}{{ column }} := {{ column }}{{ ", " if not loop.last }}{% endfor -%}
    ))::varchar as _raw_record,
    null::varchar as _structure_error,
    {%- for column in columns %}
    {{ column }}{{ "," if not loop.last }}
    {%- endfor %}
from {{ files }}
{%- endmacro %}
