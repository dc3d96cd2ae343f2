-- COMMENT ON every table, view and column of the raw, core, marts and audit layers, so any SQL client
-- shows what a row is and what each column means. Run after the views are (re)created: replacing a
-- view drops its comments. `columns` lists every (schema, table, column) of the four layers.

-- The glossary: a column of one of these names means the same in every table and view that has it.
{% set glossary = dict(
    activities="活动场次：计入的明细行数，加上未分项记录的活动场次",
    activity_count="活动场次：明细行为 1，未分项记录为汇总表的活动场次",
    activity_name="活动名称（原文）",
    activity_type="活动形式（规范类别：" ~ activity_types ~ "；只报汇总表的为“" ~ unitemized_type ~ "”）",
    activity_type_raw="活动形式（原文，归类前）",
    campaign_id="届次标识（kepu.toml 的 [campaign] id），如 2023-science-day",
    cell="问题所在的单元格，A1 格式，与原表中 Excel 显示的一致",
    code="问题代码（稳定标识，见 schemas/issues.py）",
    counted_rows="计入的行数",
    declared_code="表中所填单位代码",
    declared_name="表中所填填报单位",
    detail_sheet="识别为活动明细表的工作表",
    district_code="所属区县的单位代码；市直单位为市的代码",
    district_name="所属区县的名称；市直单位为市的名称",
    end_date="活动结束日期（未填时等于开始日期）",
    expected="本届是否应报",
    file_sha256="文件内容的 SHA-256，对应 raw.files.sha256",
    first_run_id="首次见到的运行（audit.runs.run_id）",
    held_reason="待核实原因：该单位文件的处理状态（rejected、unidentified、conflict，多个用 、 连接）",
    held_detail="待核实的具体原因：该文件的第一个错误（中文，如“文件已损坏，无法读取（…）”）",
    is_unitemized="是否为只报汇总表单位的未分项记录",
    measure="指标：" ~ measures | map(attribute="key") | join("、"),
    message="问题说明（中文，供市科协和报送单位阅读）",
    note="备注（原文）",
    organizer="主办单位（原文）",
    partners="合作单位列表（原文按 、，;/ 拆分）",
    raw_value="单元格中的原始值",
    received_at="收到时间：来源所记的时间（收件箱文件的修改时间、对象的最后修改时间、邮件到达时间），北京时间",
    reject_code="被拒原因的问题代码（见 audit.issues.code）",
    reported_at="填报日期（表中所填）",
    row_number="问题所在行号",
    row_status="行状态：ok 通过行规则，rejected 被拒（见 reject_code）",
    severity="严重程度：error 错误（相应行或文件不计入）、warning 警告（请核实）、info 提示",
    sha256="文件内容的 SHA-256（十六进制），文件的唯一标识",
    sheet="问题所在的工作表",
    size="文件大小（字节）",
    source="来源名称（kepu.toml 的 [[sources]] name；未配置来源时为 inbox，即 [paths] inbox 文件夹）",
    source_cell="活动名称所在单元格，如 B12",
    source_file="来源文件（写法同 raw.files.path）",
    source_path="文件在来源中的路径；压缩包中的文件为 压缩包路径/包内路径；邮件附件为 <UID>/<附件名>",
    source_row="来源行号（Excel 中显示的行号）",
    source_sheet="来源工作表名称",
    start_date="活动开始日期",
    unit_code="单位代码（单位名录 units.csv 的 unit_code）",
    unit_name="单位名称（单位名录中的标准名称）",
    unit_type="单位类型：" ~ unit_types,
    venue="活动地点（原文）",
) %}
{% for c in columns if c.column in glossary %}
comment on column {{ c.schema }}.{{ c.table }}.{{ c.column }} is '{{ glossary[c.column] }}';
{% endfor %}

-- The measures a detail row reports, whether each was written as an approximate figure, and where it sits.
{% for c in columns %}
{% for m in metrics %}
{% if c.column == m.key %}
comment on column {{ c.schema }}.{{ c.table }}.{{ c.column }} is '{{ m.noun }}（{{ m.unit }}）';
{% elif c.column == m.key ~ "_approx" %}
comment on column {{ c.schema }}.{{ c.table }}.{{ c.column }} is '{{ m.noun }}为约数（如“约500”“4000多”），按数字计入';
{% elif c.column == m.key ~ "_cell" %}
comment on column {{ c.schema }}.{{ c.table }}.{{ c.column }} is '{{ m.noun }}所在单元格';
{% endif %}
{% endfor %}
{% endfor %}
{% for m in measures %}
comment on column raw.summary_figures.{{ m.key }} is '汇总表：{{ m.label }}';
{% endfor %}

-- What each table and view is, and its columns whose meaning there is narrower than the glossary's.
comment on table raw.activity_rows is '每个活动明细表的每一数据行，按解析结果定型；尚未考虑单位识别、版本和活动期间。';
comment on column raw.activity_rows.seq is '序号（原文，不使用）';
comment on column raw.activity_rows.activity_name_cell is '活动名称所在单元格';
comment on column raw.activity_rows.start_date_cell is '开始日期所在单元格';
comment on column raw.activity_rows.end_date_cell is '结束日期所在单元格（无结束日期列时为空）';
comment on column raw.activity_rows.venue_cell is '活动地点所在单元格';
comment on column raw.activity_rows.activity_type_cell is '活动形式所在单元格';
comment on column raw.activity_rows.organizer_cell is '主办单位所在单元格';
comment on column raw.activity_rows.partners_cell is '合作单位所在单元格';
comment on column raw.activity_rows.reporting_unit is '转报表中该行所写的单位（“单位名称”“镇街”等列的原文）；按哪个单位计入由单位名录决定';
comment on column raw.activity_rows.reporting_unit_cell is '该行单位名称所在单元格（合并单元格取其左上角）';
comment on column raw.activity_rows.repeat_of is '两张明细表中开始日期、活动名称和各项数字都相同时，本行所重复的前一张表的行（“工作表:行号”）；该行只计一次';

comment on table raw.declarations is '每个可读文件对自身的声明：单位代码、填报单位、填报日期，以及它们所在的单元格。';
comment on column raw.declarations.declared_code_cell is '单位代码所在单元格';
comment on column raw.declarations.declared_name_cell is '填报单位所在单元格';
comment on column raw.declarations.declared_code_sheet is '单位代码所在的工作表';
comment on column raw.declarations.declared_name_sheet is '填报单位所在的工作表';
comment on column raw.declarations.summary_sheet is '识别为汇总表的工作表（或明细表上的汇总区块所在工作表）';
comment on column raw.declarations.declared_title is '表格标题行原文（如“白沙镇科协2023年全国科普日活动统计表”），用于识别单位';
comment on column raw.declarations.declared_title_sheet is '标题行所在的工作表';
comment on column raw.declarations.declared_title_cell is '标题行所在单元格';
comment on column raw.declarations.supplement_note is '明细表上方或表下说明行中含“补报/补充/增报/续报”的第一行原文（是否认定为补报由核对规则判断）';
comment on column raw.declarations.supplement_note_sheet is '该说明行所在的工作表';
comment on column raw.declarations.supplement_note_cell is '该说明行所在单元格';

comment on table raw.file_sightings is '各来源中见过的每个（路径, 内容）组合，及其所在的来源条目（文件本身、所在压缩包或所附邮件）：用于区分新文件和改动过的文件；来源条目的路径、大小和变更标记都未变时，下次运行只列目录、不再下载。';
comment on column raw.file_sightings.path is '文件路径（与 raw.files.path 的写法相同）';
comment on column raw.file_sightings.sha256 is '文件内容的 SHA-256；未读取内容的条目为来源与路径的 SHA-256（见 raw.files.sha256）';
comment on column raw.file_sightings.mtime is '来源所记的时间（Unix 时间戳，秒）：文件修改时间、对象最后修改时间或邮件到达时间';
comment on column raw.file_sightings.last_run_id is '最近一次取回的运行（audit.runs.run_id）';
comment on column raw.file_sightings.entry_path is '来源中的条目路径：文件本身、所在压缩包，或邮件（<UID>/）';
comment on column raw.file_sightings.entry_size is '来源中条目的大小（字节）';
comment on column raw.file_sightings.change_token is '来源条目的变更标记：mtime:<纳秒>、etag:<ETag>、mtime:<时间> 或 uid:<UIDVALIDITY>:<UID>；为空表示本次未能读取，下次运行重试';

comment on table raw.files is '每个收到的文件一行（按内容 sha256 去重：字节完全相同的副本只记一次）；未读取内容的条目（被忽略、无法打开、空文件、压缩包中被拒的文件、无附件的邮件）按来源和路径各记一行。';
comment on column raw.files.sha256 is '文件内容的 SHA-256（十六进制）；未读取内容的条目（stored_as 为空）为其来源名称与路径的 SHA-256，不会与任何文件内容相同';
comment on column raw.files.path is '文件路径（首次见到的位置）：默认收件箱为相对路径，其他来源以来源名称开头；压缩包中的文件写作 压缩包.zip/文件.xlsx';
comment on column raw.files.extension is '文件扩展名（小写，含点），如 .xlsx';
comment on column raw.files.received_at is '收到时间：来源所记的时间（文件修改时间、对象最后修改时间、邮件到达服务器的时间；压缩包中的文件取压缩包的时间），北京时间';
comment on column raw.files.status is 'read 已读取（内容可作为报送文件解析）；rejected 应为报送文件但无法读取；ignored 不是报送文件（办公软件锁定文件、Thumbs.db、.DS_Store、desktop.ini、未下载完成的文件、管道和设备、无附件的邮件等），不归属任何单位';
comment on column raw.files.reason is 'rejected 或 ignored 的原因（中文）';
comment on column raw.files.stored_as is '保存的副本路径（相对于数据仓库所在文件夹）；未读取内容的条目为空';
comment on column raw.files.sender is '邮件附件：发件人地址（小写）；用于按单位名录 email 列识别单位';
comment on column raw.files.forwarded_from is '邮件附件来自转发的邮件时：原邮件的发件人地址';
comment on column raw.files.subject is '邮件附件：邮件主题';
comment on column raw.files.parser_version is '解析该文件时的解析器版本；版本升级后文件会被重新解析';

comment on table raw.parse_issues is '读取单个文件时发现的问题（此时尚不知道文件属于哪个单位）。';

comment on table raw.summary_figures is '每个带“汇总表”的文件一行：汇总表中各项指标的数量。';
comment on column raw.summary_figures.sheet is '汇总表所在的工作表';
comment on column raw.summary_figures.cells is '各指标（字段名）所在的单元格';

comment on table raw.text_figures is '文字总结（SPEC §3.13）中读出的数字：每个文件每种活动形式一行，“未分项”一行为全单位的志愿者、资料、展板、报道、经费及总数中未分到形式的部分。';
comment on column raw.text_figures.activity_type is '活动形式（“未分项”为全单位数字及总数中未分到形式的部分）';
comment on column raw.text_figures.paragraph is '数字所在的段落（第几段，从1起）';
comment on column raw.text_figures.sentence is '数字所在的原句（引用）';
comment on column raw.text_figures.cells is '各指标（字段名）所在的段落（如“第3段”）';
comment on column raw.text_figures.phrases is '本行计入的每个数字：引用（如“第3段“听众600余人””，即 correct_value 决定的单元格写法）→“指标:原文数值”（总数为整个总数）';
{% for m in measures %}
comment on column raw.text_figures.{{ m.key }} is '总结：{{ m.label }}';
{% endfor %}
comment on column raw.text_figures.activities_approx is '活动场次为约数（如“13多期”），按数字计入';
comment on column marts.activities.from_text is '该记录的数字读自单位的文字总结（来源单元格为段落，如“第3段”；备注为原句），未经逐项核实';
comment on column core.activities.from_text is '该记录的数字读自文字总结（source_cell 为段落，note 为原句），而非表格';

comment on table core.activities is '每个活动明细行一行；只报汇总表的单位记一条“未分项”记录。counted 表示该行通过行规则且在活动期间内；当前版本中 counted 且 duplicate_of 为空的行计入汇总。';
comment on column core.activities.activity_id is '活动记录标识（文件哈希前缀:工作表:行号）';
comment on column core.activities.in_window is '活动日期是否在活动期间内';
comment on column core.activities.counted is '是否通过行规则且在活动期间内';
comment on column core.activities.duplicate_of is '联合活动的重复副本：保留的那条记录的 activity_id；为空则不是副本';

comment on table core.campaigns is '每届活动（一年的全国科普日）一行：活动期间和报送截止日期。';
comment on column core.campaigns.name is '届次名称，如 2023年全国科普日';
comment on column core.campaigns.start_date is '活动期间第一天';
comment on column core.campaigns.end_date is '活动期间最后一天';
comment on column core.campaigns.deadline is '报送截止日期；此后（北京时间）收到的为逾期，仍予接收';

comment on table core.submissions is '该届活动收到的每个文件一行（转报表另为其所转报的每个单位各一行）：属于哪个单位、是该单位的第几版、是否为计入汇总的当前版本、处理状态。';
comment on column core.submissions.file_path is '文件在收件箱中的相对路径（首次见到的位置）';
comment on column core.submissions.unit_code is '文件所属单位；无法识别或信息矛盾时为空';
comment on column core.submissions.identified_by is '单位识别依据：code 单位代码、name 填报单位、title 标题行、file_name 文件名、folder 所在文件夹（或压缩包）、sender 邮件发件人（名录 email 列）、decision 市科协决定（decisions.csv 的 assign_unit）';
comment on column core.submissions.claimed_unit_codes is '文件的单位代码和填报单位分别指向的单位';
comment on column core.submissions.status is '处理状态：{{ submission_statuses }}';
comment on column core.submissions.activity_rows is '活动明细数据行数';
comment on column core.submissions.rejected_rows is '被拒的行数';
comment on column core.submissions.version is '该单位文件中的版本号（按填报日期、再按收到时间排序，从 1 起；补报文件同样编号）';
comment on column core.submissions.is_current is '是否计入汇总：该单位的当前版本，以及追加到该版本的补报文件和转报行（每个单位至多一个当前版本，role = version）';
comment on column core.submissions.superseded_by is '替代它的较新版本的 file_sha256（本单位自己的文件由本单位的当前版本替代；转报的行只由同一转报单位较新的转报表替代）';
comment on column core.submissions.role is '文件的作用：version 版本（较新的版本替代之前的版本及其补报）、supplement 补报（其活动加入所补充的版本，不替代它）、forwarded 转报追加（转报表中记在本单位名下的行加入本单位的当前版本，不替代它）';
comment on column core.submissions.supplements is '补报文件或转报追加所加入的版本的 file_sha256；版本为空';
comment on column core.submissions.supplement_evidence is '认定为补报的依据：文件名、标题行或说明行中的“补报/补充/增报/续报”（带单元格），或市科协的决定（decisions.csv 行号）；无依据为空';
comment on column core.submissions.forwarded_by is '转报：本行是该单位（forwarded_by）的转报表中记在本单位名下的各行；本单位自己报送的文件为空（同一文件对所转报的每个单位各一行）';

comment on table core.units is '该届活动时的单位名录：每个报送单位一行，及其所属区县。';
comment on column core.units.email is '单位发送报表所用的邮箱地址（名录 email 列，小写）；邮件附件无法从内容、文件名识别单位时按发件人识别';
comment on column core.units.contact is '联系人（名录 contact 列）';

comment on table core.source_unavailable is '本届尚无文件、且其文件只能来自最近一次运行无法读取的来源的应报单位：报送情况记为 source_unavailable 而非 missing，不列入催报名单。一个单位的文件可能来自：district 为其所属区县的来源、往届送来过其文件的来源、（名录有 email 时）各邮箱来源；都没有时为所有未设 district 的来源。';
comment on column core.source_unavailable.sources is '该单位文件可能来自的来源（本次均无法读取）';

comment on column core.units.parent_code is '上级单位代码（区县的上级为市；镇、街道的上级为其区县）';
comment on column core.units.aliases is '单位的其他名称（填报时可能使用的署名）';

comment on view marts.activities is '活动清单：计入汇总的每项活动（当前版本、counted、非联合活动的重复副本），附单位、区县及来源单元格。';
comment on column marts.activities.activity_id is '活动记录标识，对应 core.activities.activity_id';
comment on column marts.activities.has_approximate is '该行是否有约数（如“约500”“4000多”）';

comment on view marts.chase_list is '催报名单：尚无数据计入的应报单位（missing 未报送或 held 待核实），附所属区县。';
comment on column marts.chase_list.status is '{{ chased_statuses }}';
comment on column marts.chase_list.file_path is '待核实单位已收到的文件（未报送为空）';

comment on view marts.city_totals is '全市汇总：每届一行。units_reported 为当前版本已接收（accepted/partial）的应报单位数；units_on_time 为其中在截止日期前收到的；非应报单位的数据也计入各项合计。';
comment on column marts.city_totals.units_expected is '应报单位数';
comment on column marts.city_totals.units_reported is '已报单位数：当前版本为 accepted 或 partial 的应报单位';
comment on column marts.city_totals.units_on_time is '按时报送单位数：已报单位中在截止日期（含）前收到的';

comment on view marts.completeness is '报送情况：每个应报单位一行，状态为 on_time（按时）、late（逾期）、held（已收到但未能计入，待核实）、source_unavailable（未收到，且其文件只能来自本次无法读取的来源）或 missing（未收到）。';
comment on column marts.completeness.unavailable_sources is 'source_unavailable 时：该单位文件只能来自的、本次无法读取的来源';
comment on column marts.completeness.status is '{{ completeness_statuses }}；待核实即已收到但未能计入';
comment on column marts.completeness.received_at is '当前版本（或待核实文件中最早一个）的收到时间';
comment on column marts.completeness.days_late is '逾期天数（按时为 0；未报送、待核实为空）';
comment on column marts.completeness.file_path is '当前版本（或待核实文件中最早一个）的文件';

comment on view marts.district_totals is '分区县：每个区县一行（市直单位归在市的代码下）。';
comment on column marts.district_totals.units_expected is '该区县的应报单位数';
comment on column marts.district_totals.units_reported is '该区县已报的应报单位数';
comment on column marts.district_totals.units_on_time is '该区县按时报送的应报单位数';

comment on view marts.type_totals is '分类型：每种活动形式一行（只报汇总表的单位为“未分项”）。';

comment on view marts.unit_totals is '单位明细：该届名录中每个单位一行，及其当前版本计入汇总的数量。';
comment on column marts.unit_totals.submission_status is '当前版本的处理状态（accepted / partial）；无当前版本时为空';
comment on column marts.unit_totals.received_at is '当前版本的收到时间（北京时间）';
comment on column marts.unit_totals.file_path is '当前版本的文件';

comment on view marts.year_over_year is '同比：每届每项指标一行，与本仓库中上一届（按活动开始日期）的全市合计对比。';
comment on column marts.year_over_year.campaign_id is '本届标识';
comment on column marts.year_over_year.previous_campaign_id is '上一届标识（按活动开始日期；无上一届为空）';
comment on column marts.year_over_year.current_value is '本届全市合计';
comment on column marts.year_over_year.previous_value is '上一届全市合计';
comment on column marts.year_over_year.change is '增减（本届减上一届）';
comment on column marts.year_over_year.change_ratio is '增减幅度（增减 ÷ 上一届，四位小数；上一届为 0 或无上一届时为空）';

comment on table audit.issues is '发现的每个问题一行（问题 × 位置），每次运行按届重建（SPEC §3.6）。';
comment on column audit.issues.issue_no is '问题序号（每届内从 1 起，按文件、严重程度、位置排序）';
comment on column audit.issues.unit_code is '文件所属单位代码（无法识别时为空）';
comment on column audit.issues.unit_name is '文件所属单位名称';
comment on column audit.issues.file_path is '文件在收件箱中的相对路径';
comment on column audit.issues.is_current_version is '问题所在文件是否为该单位的当前版本（旧版本的问题只作历史保留，不计入回执与统计）';

comment on table audit.run_log is '写入了数据仓库的运行（已发布或失败）每次一行；请查询视图 audit.runs。';
comment on view audit.runs is '夜间汇总流程每运行一次一行：写入了数据仓库的运行，以及没有新内容、未改写数据仓库的运行（unchanged）。';
{% for table in ("run_log", "runs") %}
comment on column audit.{{ table }}.run_id is '运行标识';
comment on column audit.{{ table }}.started_at is '开始时间（北京时间）';
comment on column audit.{{ table }}.finished_at is '结束时间（北京时间）';
comment on column audit.{{ table }}.files_seen is '各来源中的条目数（文件、对象；邮箱按邮件计）';
comment on column audit.{{ table }}.files_new is '新文件数';
comment on column audit.{{ table }}.files_changed is '内容有变化的文件数';
comment on column audit.{{ table }}.files_parsed is '本次解析的文件数';
comment on column audit.{{ table }}.files_rejected is '本次解析中完全无法读取的文件数';
comment on column audit.{{ table }}.outcome is '结果：published 已发布，unchanged 没有新内容（未改写任何数据与输出），failed 失败（未发布任何内容）';
comment on column audit.{{ table }}.message is '失败原因；已发布但有来源不可用时，为各来源不可用的原因';
comment on column audit.{{ table }}.failed_sources is '本次无法读取的来源（已按设置重试；本次运行在没有这些来源的情况下完成）';
comment on column audit.{{ table }}.files_fetched is '本次从各来源读取或下载的条目数（未变的条目只列目录，不计入）';
comment on column audit.{{ table }}.inputs_fingerprint is '本次结果所依据的输入（文件内容、单位名录、配置、程序版本）的指纹；与上次发布相同即为 unchanged';
{% endfor %}

comment on table audit.notices is '运行发布后起草或发送的每份通知一行：单位回执、催报通知、市科协每日汇总（SPEC §4）。按通知内容和收件人的摘要标识，同一通知只发送一次；回执内容或单位邮箱变化即为新的通知。由发布后的通知步骤增补，不随每次运行重建。';
comment on column audit.notices.notice_id is '通知标识：通知类型、单位、收件人、主题、正文和附件内容的 SHA-256';
comment on column audit.notices.kind is '通知类型：{{ notice_kinds }}';
comment on column audit.notices.unit_code is '通知所涉单位代码（每日汇总为空）';
comment on column audit.notices.unit_name is '通知所涉单位名称（每日汇总为空）';
comment on column audit.notices.recipients is '收件人地址（单位名录 email 列；每日汇总为 [notices] office_email）';
comment on column audit.notices.subject is '邮件主题';
comment on column audit.notices.attachments is '附件文件名';
comment on column audit.notices.status is '状态：{{ notice_statuses }}';
comment on column audit.notices.is_current is '是否为最近一次运行仍然适用的通知；回执已更新、单位已补报或已过一天的汇总为 false，不再发送或重试';
comment on column audit.notices.attempts is '发送尝试次数（起草不计）';
comment on column audit.notices.last_error is '最近一次发送失败的原因（中文）';
comment on column audit.notices.draft_path is '起草模式下 .eml 文件的路径（相对于输出文件夹 out/<届次>/）';
comment on column audit.notices.first_run_id is '首次起草或发送该通知的运行（audit.runs.run_id）';
comment on column audit.notices.last_run_id is '最近一次处理该通知的运行';
comment on column audit.notices.created_at is '首次记录时间（北京时间）';
comment on column audit.notices.last_attempt_at is '最近一次发送尝试时间（北京时间）';
comment on column audit.notices.sent_at is '发送成功时间（北京时间）';

comment on table audit.runs is '夜间汇总流程每运行一次一行。';
comment on column audit.runs.run_id is '运行标识';
comment on column audit.runs.started_at is '开始时间（北京时间）';
comment on column audit.runs.finished_at is '结束时间（北京时间）';
comment on column audit.runs.files_seen is '各来源中的条目数（文件、对象；邮箱按邮件计）';
comment on column audit.runs.files_new is '新文件数';
comment on column audit.runs.files_changed is '内容有变化的文件数';
comment on column audit.runs.files_parsed is '本次解析的文件数';
comment on column audit.runs.files_rejected is '本次解析中完全无法读取的文件数';
comment on column audit.runs.outcome is '结果：published 已发布，failed 失败（未发布任何内容）';
comment on column audit.runs.message is '失败原因；已发布但有来源不可用时，为各来源不可用的原因';
comment on column audit.runs.failed_sources is '本次无法读取的来源（已按设置重试；本次运行在没有这些来源的情况下完成）';
comment on column audit.runs.files_fetched is '本次从各来源读取或下载的条目数（未变的条目只列目录，不计入）';

comment on table audit.submission_changes is '单位计入汇总的内容每变化一次（新版本替代此前的版本及其补报，或补报加入其版本）：每项变化了的合计一行（从多少变为多少）。';
comment on column audit.submission_changes.role is '带来变化的文件的作用：version 新版本（替代）、supplement 补报（加入）、forwarded 转报追加（加入）';
comment on column audit.submission_changes.file_sha256 is '带来变化的文件（新版本或补报）';
comment on column audit.submission_changes.version is '该文件的版本号';
comment on column audit.submission_changes.previous_sha256 is '此前计入的版本（补报时为它所补充的版本）';
comment on column audit.submission_changes.previous_version is '此前计入的版本的版本号';
comment on column audit.submission_changes.previous_value is '此前的合计（该版本及其此前的补报）';
comment on column audit.submission_changes.current_value is '此后的合计';
comment on column audit.submission_changes.change is '变化量（当前减去此前）';

comment on view audit.received_files is '收到的文件：每个来源中见到的每个文件（路径与内容）一行，同一内容出现在两个来源时各一行；含处理结果和在该来源首次见到的运行（今日概况按来源计数）。';
comment on column audit.received_files.path is '文件路径（与 raw.files.path 的写法相同）';
comment on column audit.received_files.status is 'read 已读取；rejected 应为报送文件但无法读取；ignored 不是报送文件（见 raw.files.status）';
comment on column audit.received_files.reason is 'rejected 或 ignored 的原因（中文）';
comment on column audit.received_files.last_run_id is '最近一次在该来源见到它的运行（audit.runs.run_id）';
comment on column audit.received_files.sender is '邮件附件：发件人地址（小写）';
comment on view audit.submissions is '报送记录：每个收到的文件与其所属（或冲突时声称的）单位一行，含版本、状态、是否按时。';
comment on column audit.submissions.unit_code is '单位代码（冲突文件对所声称的每个单位各一行）';
comment on column audit.submissions.file_path is '文件在收件箱中的路径（首次收到时）';
comment on column audit.submissions.received_at is '收到时间（文件在收件箱中的修改时间，北京时间）';
comment on column audit.submissions.reported_at is '填报日期（文件中填写）';
comment on column audit.submissions.status is '处理状态：{{ submission_statuses }}';
comment on column audit.submissions.version is '该单位的第几个版本（按填报日期、收到时间排序）';
comment on column audit.submissions.is_current is '是否计入汇总（当前版本，或补充当前版本的补报）';
comment on column audit.submissions.forwarded_by is '转报单位代码：该行是转报表中记在本单位名下的各行；本单位自己的文件为空';
comment on column audit.submissions.role is '文件的作用：version 版本、supplement 补报、forwarded 转报追加';
comment on column audit.submissions.supplements is '补报文件或转报追加所加入的版本的 file_sha256';
comment on column audit.submissions.activity_rows is '活动记录行数';
comment on column audit.submissions.rejected_rows is '退回的行数';
comment on column audit.submissions.on_time is '是否在截止日期（含）前收到';

comment on column core.activities.corrected_fields is '市科协更正过的字段（decisions.csv 的 correct_value）；字段中为更正后的值，未更正为空';
comment on column core.activities.original_values is '更正前的原值（文件中的值，以文字记），与 corrected_fields 一一对应';

comment on table core.decisions is '市科协的决定（SPEC §3.9），按 decisions.csv 读入：每个有效行一行，按文件中的顺序；每次运行在规则之后执行。';
comment on column core.decisions.line is 'decisions.csv 中的行号（表头为第1行）';
comment on column core.decisions.kind is '决定类型：assign_unit 归入单位、supplement 补报、same_event 同一活动、different_events 不同活动、exclude_row 不计入某行、exclude_file 不计入文件、accept_on_time 按时计、correct_value 更正单元格、confirm 核实无误';
comment on column core.decisions.file is '文件（原文：sha256、其前缀或 raw.files 中的路径）';
comment on column core.decisions.file_sha256 is '所指文件的 sha256；找不到该文件时为空';
comment on column core.decisions.cell is '单元格（原文，A1 格式，可带工作表：活动明细!I12），指其所在行';
comment on column core.decisions.value is '新值（correct_value）';
comment on column core.decisions.other_file is '另一文件（same_event、different_events，原文）';
comment on column core.decisions.other_sha256 is '另一文件的 sha256；找不到时为空';
comment on column core.decisions.other_cell is '另一文件中的单元格（其所在行）';
comment on column core.decisions.reason is '理由（如“电话核实：应为4000”）';
comment on column core.decisions.decided_by is '决定人';
comment on column core.decisions.decided_at is '决定时间（原文）';

comment on table audit.decisions is '决定记录：decisions.csv 的每一行及其在最近一次运行中的效果（已执行、已记录、目标已不存在未执行、无效），每次运行按届重建。';
comment on column audit.decisions.line is 'decisions.csv 中的行号（表头为第1行）';
comment on column audit.decisions.kind is '决定类型（原文）';
comment on column audit.decisions.kind_label is '决定类型（中文）';
comment on column audit.decisions.file is '文件（原文）';
comment on column audit.decisions.unit_code is '决定所涉单位（文件所属单位，或 assign_unit 所归入的单位）';
comment on column audit.decisions.unit_name is '决定所涉单位名称';
comment on column audit.decisions.cell is '单元格（原文）';
comment on column audit.decisions.value is '新值（correct_value）';
comment on column audit.decisions.other_file is '另一文件（原文）';
comment on column audit.decisions.other_sha256 is '另一文件的 sha256';
comment on column audit.decisions.other_cell is '另一单元格（原文）';
comment on column audit.decisions.reason is '理由';
comment on column audit.decisions.decided_by is '决定人';
comment on column audit.decisions.decided_at is '决定时间（原文）';
comment on column audit.decisions.outcome is '结果：applied 已执行、recorded 已记录（不直接改动数据：补报由版本规则执行，核实无误不改动任何数字）、stale 目标已不存在未执行（decision_stale）、invalid 无效未执行（decision_invalid）';
comment on column audit.decisions.effect is '效果（中文），如“已将第12行参与人数由40000改为4000”';

-- Editions (SPEC §3.12): what was sent upward, and what changed since.
{% set edition_columns = dict(
    edition_no="报送版本号：第N版（每届从1起）",
    level="层级：city 全市、district 区县、unit 单位、type 活动形式",
    code="层级内的代码：全市为届次标识，区县、单位为单位代码，活动形式为其名称",
    name="名称：全市、区县或单位名称、活动形式",
    value="数值",
    signed_at="签发时间（北京时间）",
    signed_by="签发人（kepu sign --by）",
    note="签发说明（kepu sign --note）",
    run_id="所签发的状态由哪次运行发布（audit.runs.run_id）",
    copies_folder="报送文件留存的文件夹（相对于输出文件夹 [paths] out）：全市汇总.xlsx、情况说明.docx、情况说明.md",
    forced="是否强制签发（kepu sign --force）：签发时有影响合计超过 [sign] open_share 的待决定事项",
    force_reason="强制签发的理由（kepu sign --reason）",
    open_items="强制签发时尚未决定的事项（中文）",
    units_expected="应报单位数",
    units_reported="已报单位数",
    units_on_time="按时报送单位数",
    file_path="文件在收件箱中的相对路径",
    role="文件的作用：version 版本、supplement 补报",
    forwarded_by="转报单位代码（转报表中记在本单位名下的行）；本单位自己的文件为空",
    line="decisions.csv 中的行号（表头为第1行）",
    kind="类别",
    kind_label="决定类型（中文）",
    cell="决定所指的单元格（原文）",
    other_sha256="另一文件的 sha256（same_event / different_events）",
    other_cell="另一单元格（原文）",
    reason="理由",
    effect="决定的效果（中文）",
    cause="变化的原因（中文）：哪个单位的哪个文件或哪条决定",
    sort_time="排序用：文件收到的时间（决定为空）",
    sort_line="排序用：决定在 decisions.csv 中的行号（文件为0）",
    cause_no="原因的序号（按届，先文件后决定）",
    signed_value="第N版报送时的数值（当时没有此项为空）",
    current_value="当前发布的数值（已没有此项为空）",
    delta="变化量：当前数值减去报送时的数值",
    causes="变化的原因（中文，以“；”分隔）：新版本、补报、报送后收到的文件、转报、排除的文件、决定（行号、类型、理由）、更正（单元格、原值→新值）",
    changed_figures="与该版本不同的数字个数（marts.changes_since_signed 的行数）",
    changes="自该版本以来的变化个数（audit.edition_causes 的行数）",
    same_as_signed="当前发布的状态是否即该版本（数字和所依据的文件、决定均未变化）",
) %}
{% for c in columns if c.table in ("editions", "edition_figures", "edition_files", "edition_decisions", "edition_causes", "published_figures", "changes_since_signed", "signed_edition") and c.column in edition_columns %}
comment on column {{ c.schema }}.{{ c.table }}.{{ c.column }} is '{{ edition_columns[c.column] }}';
{% endfor %}
comment on table audit.editions is '报送版本：每届每次签发（kepu sign）一行，即第N版：签发人、时间、说明、所签发的运行和全市合计；任何运行、重建、回滚都不改写。';
comment on table audit.edition_figures is '报送版本的数字：每个版本每个层级（全市、区县、单位、活动形式）每项指标一行，为签发时发布的全部数字（含报送情况）。';
comment on table audit.edition_files is '报送版本所依据的文件：每个版本每个单位计入的每个文件一行（现行版本、其补报、转报给该单位的行）。';
comment on table audit.edition_decisions is '报送版本所依据的决定：每个版本签发时已执行的每条决定一行。';
comment on column audit.edition_figures.measure is '指标：units_expected、units_reported、units_on_time（单位层级为1或0）及各项合计';
comment on view marts.published_figures is '已发布的数字：每届每个层级（全市、区县、单位、活动形式）每项指标一行，签发时记入 audit.edition_figures。';
comment on column marts.published_figures.measure is '指标：units_expected、units_reported、units_on_time（单位层级为1或0）及各项合计';
comment on view audit.edition_causes is '变更原因：自最近一个报送版本以来的每项变化一行——新计入的文件（新版本、补报、报送后收到、转报）、不再计入的文件、新执行或不再执行的决定。';
comment on column audit.edition_causes.kind is '变化类别：new_version 新版本、supplement 补报、new_file 新计入（含报送后收到的文件）、forwarded 转报、removed_file 不再计入、decision 决定、decision_removed 决定不再执行';
comment on column audit.edition_causes.district_code is '该单位所属区县的代码';
comment on column audit.edition_causes.file_sha256 is '带来变化的文件（决定为其所指文件）';
comment on view marts.changes_since_signed is '变更说明：与最近一个报送版本不同的每个数字一行（层级、指标、报送值、当前值、变化量）及其原因；未变化的数字没有行。';
comment on column marts.changes_since_signed.district_code is '所属区县代码（区县、单位层级；全市和活动形式为空），用于按区县分组';
comment on column marts.changes_since_signed.measure is '指标：units_expected、units_reported、units_on_time 及各项合计';
comment on view marts.signed_edition is '报送版本状态：每届一行（已签发过的届），为最近一个版本及当前状态与它是否相同。';
comment on column audit.edition_decisions.kind is '决定类型：assign_unit、supplement、same_event、different_events、exclude_row、exclude_file、accept_on_time、correct_value、confirm';
