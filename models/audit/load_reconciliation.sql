-- noqa: disable=LT01,LT02,LT06
-- One row per landed table: every delivered record is staged, a duplicate (an exact re-delivery or
-- a superseded version of its key) or rejected. The balance is tested, so a record lost between the
-- landing zone and staging fails the build. Duplicates are counted here from the base model's keys,
-- independently of the staging model's own de-duplication.
with
{%- for source_table, base_model, staging_model, record_key in landed_tables() %}
    {{ base_model }}_counts as (
        select
            '{{ source_table }}' as source_table,
            count(*) as raw_rows,
            count(*) filter (where _reject_reason is null)
            - count(distinct {{ record_key }}) filter (where _reject_reason is null) as duplicate_rows,
            count(distinct _file) as files_with_records,
            max(_batch) as latest_batch
        from {{ ref(base_model) }}
    ),

    {{ staging_model }}_counts as (
        select
            '{{ source_table }}' as source_table,
            count(*) as staged_rows
        from {{ ref(staging_model) }}
    ),
{% endfor %}

    rejected_counts as (
        select
            source_table,
            count(*) as rejected_rows
        from {{ ref('rejected_records') }}
        group by source_table
    ),

    landed as (
    {%- for source_table, base_model, staging_model, _ in landed_tables() %}
        select
            {{ base_model }}_counts.*,
            {{ staging_model }}_counts.staged_rows
        from {{ base_model }}_counts
        inner join {{ staging_model }}_counts
            on {{ base_model }}_counts.source_table = {{ staging_model }}_counts.source_table
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    )

select
    landed.source_table,
    landed.raw_rows,
    landed.staged_rows,
    landed.duplicate_rows,
    coalesce(rejected_counts.rejected_rows, 0) as rejected_rows,
    landed.files_with_records,
    landed.latest_batch
from landed
left join rejected_counts on landed.source_table = rejected_counts.source_table
