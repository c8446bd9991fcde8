-- One row per landed table: every delivered record is staged, a duplicate (an exact re-delivery or
-- a superseded version of its key) or rejected. The balance is tested, so a record lost between the
-- landing zone and staging fails the build. Duplicates are counted here from the base model's keys,
-- independently of the staging model's own de-duplication.
with base_counts as (
    {%- for source_table, base_model, _, record_key in landed_tables() %}
        select
            '{{ source_table }}' as source_table,
            count(*) as raw_rows,
            count(*) filter (where _reject_reason is null)
            - count(distinct {{ record_key }}) filter (where _reject_reason is null) as duplicate_rows,
            count(distinct _file) as files_with_records,
            max(_batch) as latest_batch
        from {{ ref(base_model) }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

staging_counts as (
    {%- for source_table, _, staging_model, _ in landed_tables() %}
        select
            '{{ source_table }}' as source_table,
            count(*) as staged_rows
        from {{ ref(staging_model) }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

rejected_counts as (
    select
        source_table,
        count(*) as rejected_rows
    from {{ ref('rejected_records') }}
    group by source_table
)

select
    base_counts.source_table,
    base_counts.raw_rows,
    staging_counts.staged_rows,
    base_counts.duplicate_rows,
    coalesce(rejected_counts.rejected_rows, 0) as rejected_rows,
    base_counts.files_with_records,
    base_counts.latest_batch
from base_counts
inner join staging_counts on base_counts.source_table = staging_counts.source_table
left join rejected_counts on base_counts.source_table = rejected_counts.source_table
