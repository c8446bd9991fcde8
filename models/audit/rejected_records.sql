-- Every delivered record that failed parsing or validation, one row each, with a stable reason
-- code and the record as delivered (emails and phones pseudonymised). Nothing is dropped silently:
-- load_reconciliation proves that these, the staged rows and the duplicates add up to the input.
-- The file is named relative to the landing root, so the table does not depend on where the zone
-- is mounted.
{% for source_table, base_model, _, _ in landed_tables() %}
    select
        md5('{{ source_table }}/' || parse_filename(_file) || '|' || _record_number::varchar) as rejected_record_id,
        '{{ source_table }}' as source_table,
        _batch as batch,
        _batch_at as batch_at,
        '{{ source_table }}/' || parse_filename(_file) as file_path,
        _record_number as record_number,
        _reject_reason as reason,
        _raw_record as record
    from {{ ref(base_model) }}
    where _reject_reason is not null
    {% if not loop.last %}union all{% endif %}
{%- endfor %}
