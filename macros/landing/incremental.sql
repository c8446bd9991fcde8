{#-
    Incremental loading of the landing zone, by delivered file.

    A base model parses every record row by row, so its rows for one file depend on that file
    alone, and landed files are never changed (docs/landing_zone_contract.md). Loading, on each
    run, only the files whose name (`<YYYY-MM-DDTHH>.<ext>`, i.e. the delivery) the model has not
    loaded yet therefore gives, after any sequence of runs, exactly the rows of one full build:
    this is what makes replaying the deliveries in slices equal to a rebuild. Files are matched by
    name, not by a high-water mark, so a delivery that lands late (after a later one) is still
    picked up; a file without records leaves no row and is simply read again next time.

    `landing_files(relation)` returns the relation a landing reader should scan: the source's own
    glob on a full build (first run, --full-refresh, unit tests), else the same reader over the
    list of new files only.

    Parquet deliveries are always listed, and a zero-byte file is left out: it holds no record (an
    empty delivery written as an empty file), and read_parquet fails the whole scan on it. With no
    readable Parquet file at all, none is returned and the reader selects no rows.
-#}
{% macro landing_files(relation) -%}
    {#- Unit tests give the reader a fixture, never files: nothing to choose from. -#}
    {%- if not execute or this is none or model.resource_type == 'unit_test' -%}
        {{- return(relation) -}}
    {%- endif -%}
    {%- set only_structure = false -%}
    {%- set rendered = relation | string -%}
    {%- set is_parquet = rendered.lstrip().startswith('read_parquet(') -%}
    {%- set incremental = is_incremental() -%}
    {%- if not incremental and not is_parquet -%}
        {{- return(relation) -}}
    {%- endif -%}
    {%- set glob_literal = modules.re.search("'((?:[^']|'')*)'", rendered) -%}
    {%- if glob_literal is none -%}
        {{- exceptions.raise_compiler_error(
            "landing_files: no quoted file pattern in the source location " ~ rendered
        ) -}}
    {%- endif -%}
    {%- set landed_query -%}
        {%- if is_parquet -%}
            select filename as file from read_blob('{{ glob_literal.group(1) }}') where size > 0
        {%- else -%}
            select file from glob('{{ glob_literal.group(1) }}')
        {%- endif -%}
    {%- endset -%}
    {%- set new_files_query -%}
        with landed as (
            {{ landed_query }}
        ){% if incremental %},

        loaded as (
            select distinct parse_filename(_file) as file_name
            from (select distinct _file from {{ this }})
        ){% endif %}

        select landed.file
        from landed
        {%- if incremental %}
        where not exists (select 1 from loaded where loaded.file_name = parse_filename(landed.file))
        {%- endif %}
        order by landed.file
    {%- endset -%}
    {%- set new_files = run_query(new_files_query).columns[0].values() | list -%}
    {%- if new_files | length == 0 -%}
        {#- Nothing new: scan no file, with the reader's own columns. -#}
        {%- set any_file = run_query("select file from (" ~ landed_query ~ ") limit 1").columns[0].values() | list -%}
        {%- if any_file | length == 0 -%}
            {{- return(none if is_parquet else relation) -}}
        {%- endif -%}
        {%- set new_files = any_file -%}
        {%- set only_structure = true -%}
    {%- endif -%}
    {%- set quoted = [] -%}
    {%- for file in new_files -%}
        {%- do quoted.append("'" ~ (file | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    {%- set file_list = "[" ~ quoted | join(", ") ~ "]" -%}
    {%- set scan = rendered[:glob_literal.start()] ~ file_list ~ rendered[glob_literal.end():] -%}
    {{- log("landing_files: " ~ this.identifier ~ " loads " ~ (0 if only_structure else new_files | length) ~ " new file(s)", info=false) -}}
    {%- if only_structure -%}
        {{- return("(select * from " ~ scan ~ " limit 0)") -}}
    {%- endif -%}
    {{- return(scan) -}}
{%- endmacro %}
