"""The annual plan's models, moved here from the engine core (workflows/migrations/0003_plan.py created them,
issue 13 moved them): this migration adds them to the state of `plan` only. Their tables already exist with
their rows and keep their names (db_table "workflows_…"), so nothing in the database changes; on a new
database workflows' 0003 creates them. It runs before workflows 0011, which removes them from the engine
core's state."""

import django.core.validators
import django.db.models.deletion
import plan.models
import workflows.models.core
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('organisations', '0001_initial'),
        ('workflows', '0010_audit_subject_labels'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    run_before = [('workflows', '0011_plan_moved_to_its_app')]

    operations = [migrations.SeparateDatabaseAndState(database_operations=[], state_operations=[
        migrations.CreateModel(
            name='Plan',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(unique=True, verbose_name='năm')),
                ('number', models.CharField(blank=True, max_length=60, verbose_name='số ký hiệu')),
                ('title', models.CharField(max_length=300, verbose_name='trích yếu')),
                ('issuing_body', models.CharField(max_length=200, verbose_name='cơ quan ban hành')),
                ('issued_on', models.DateField(blank=True, null=True, verbose_name='ngày ban hành')),
                ('purposes', models.TextField(blank=True, verbose_name='mục đích')),
                ('requirements', models.TextField(blank=True, verbose_name='yêu cầu')),
                ('duties', models.JSONField(blank=True, default=list, verbose_name='tổ chức thực hiện')),
                ('copied_from', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='copies', to='plan.plan', verbose_name='sao chép từ')),
            ],
            options={
                'verbose_name': 'kế hoạch TĐKT',
                'verbose_name_plural': 'kế hoạch TĐKT',
                'db_table': 'workflows_plan',
                'ordering': ['-year'],
            },
        ),
        migrations.CreateModel(
            name='Activity',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1)], verbose_name='số thứ tự')),
                ('quarter', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(4)], verbose_name='quý')),
                ('content', models.TextField(verbose_name='nội dung')),
                ('kind', models.CharField(choices=[('council_session', 'Phiên họp Hội đồng TĐKT'), ('innovation_round', 'Đợt xét, công nhận sáng kiến'), ('conference', 'Hội nghị'), ('report', 'Báo cáo'), ('cluster_summary', 'Sơ kết, tổng kết Cụm, Khối thi đua'), ('pact_signing', 'Ký kết giao ước thi đua'), ('cluster_division', 'Phân chia Cụm, Khối thi đua'), ('cluster_head_approval', 'Chuẩn y Trưởng, Phó Cụm, Khối'), ('cluster_scoring', 'Chấm điểm thi đua Cụm, Khối'), ('movement_plan', 'Kế hoạch phát động phong trào thi đua'), ('movement_summary', 'Sơ kết, tổng kết phong trào và khen thưởng'), ('central_registration', 'Đăng ký thi đua với Trung ương'), ('delegation', 'Đoàn công tác'), ('propaganda', 'Tuyên truyền, kỷ niệm'), ('award_ceremony', 'Tuyên dương, khen thưởng'), ('training', 'Tập huấn nghiệp vụ'), ('inspection', 'Kiểm tra'), ('publication', 'Xuất bản, phát hành'), ('directive', 'Chỉ đạo, hướng dẫn'), ('regulation_revision', 'Sửa đổi, bổ sung quy định'), ('yearbook', 'Kỷ yếu, sổ vàng'), ('next_year_plan', 'Kế hoạch năm sau'), ('other', 'Khác')], default='other', max_length=32, verbose_name='loại hoạt động')),
                ('coordinates_with_related_agencies', models.BooleanField(default=False, verbose_name='phối hợp các cơ quan liên quan')),
                ('lead_note', models.CharField(blank=True, max_length=300, verbose_name='ghi chú đơn vị thực hiện')),
                ('due_text', models.CharField(blank=True, max_length=120, verbose_name='thời gian (theo văn bản)')),
                ('planned_due_date', models.DateField(verbose_name='hạn theo kế hoạch')),
                ('due_date', models.DateField(verbose_name='hạn hiện tại')),
                ('state', workflows.models.core.StateField(choices=[('planned', 'Chưa triển khai'), ('in_progress', 'Đang thực hiện'), ('completed', 'Hoàn thành'), ('postponed', 'Tạm hoãn'), ('cancelled', 'Hủy bỏ')], default='planned', max_length=32, verbose_name='trạng thái')),
                ('started_on', models.DateField(blank=True, null=True, verbose_name='ngày bắt đầu')),
                ('completed_on', models.DateField(blank=True, null=True, verbose_name='ngày hoàn thành')),
                ('evidence_number', models.CharField(blank=True, max_length=100, verbose_name='số văn bản kết quả')),
                ('evidence_date', models.DateField(blank=True, null=True, verbose_name='ngày văn bản kết quả')),
                ('evidence_file', models.FileField(blank=True, max_length=300, upload_to=plan.models.evidence_upload_to, verbose_name='tệp minh chứng (PDF)')),
                ('postponement_reason', models.TextField(blank=True, verbose_name='lý do tạm hoãn')),
                ('cancellation_reason', models.TextField(blank=True, verbose_name='lý do hủy')),
                ('process_id', models.CharField(blank=True, max_length=64, verbose_name='mã quy trình liên kết')),
                ('coordinating_units', models.ManyToManyField(blank=True, related_name='coordinated_plan_activities', to='organisations.unit', verbose_name='đơn vị phối hợp')),
                ('lead_unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='led_plan_activities', to='organisations.unit', verbose_name='đơn vị chủ trì')),
                ('process_type', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='contenttypes.contenttype', verbose_name='loại quy trình liên kết')),
                ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='activities', to='plan.plan', verbose_name='kế hoạch')),
            ],
            options={
                'verbose_name': 'hoạt động kế hoạch',
                'verbose_name_plural': 'hoạt động kế hoạch TĐKT',
                'db_table': 'workflows_activity',
                'ordering': ['plan', 'number'],
            },
        ),
        migrations.CreateModel(
            name='UnitPlan',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(blank=True, max_length=60, verbose_name='số ký hiệu')),
                ('issued_on', models.DateField(blank=True, null=True, verbose_name='ngày ban hành')),
                ('summary', models.TextField(blank=True, verbose_name='nội dung chính')),
                ('registered_at', models.DateTimeField(auto_now_add=True, verbose_name='thời điểm đăng ký')),
                ('plan', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='unit_plans', to='plan.plan', verbose_name='kế hoạch thành phố')),
                ('registered_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='người đăng ký')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='unit_plans', to='organisations.unit', verbose_name='đơn vị')),
            ],
            options={
                'verbose_name': 'kế hoạch của đơn vị',
                'verbose_name_plural': 'kế hoạch của đơn vị',
                'db_table': 'workflows_unitplan',
                'ordering': ['plan', 'unit__name'],
            },
        ),
        migrations.CreateModel(
            name='ProgressReport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('period', models.CharField(choices=[('q1', 'Quý I'), ('half_year', '6 tháng'), ('q3', '9 tháng'), ('year', 'Năm')], max_length=16, verbose_name='kỳ báo cáo')),
                ('items_done', models.PositiveIntegerField(default=0, verbose_name='số nội dung đã hoàn thành')),
                ('content', models.TextField(verbose_name='kết quả thực hiện')),
                ('submitted_at', models.DateTimeField(auto_now_add=True, verbose_name='thời điểm báo cáo')),
                ('submitted_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='người báo cáo')),
                ('unit_plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reports', to='plan.unitplan')),
            ],
            options={
                'verbose_name': 'báo cáo tiến độ',
                'verbose_name_plural': 'báo cáo tiến độ',
                'db_table': 'workflows_progressreport',
                'ordering': ['unit_plan', '-submitted_at'],
            },
        ),
        migrations.CreateModel(
            name='UnitPlanItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('content', models.TextField(verbose_name='nội dung')),
                ('due_date', models.DateField(blank=True, null=True, verbose_name='thời hạn')),
                ('activity', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='unit_plan_items', to='plan.activity', verbose_name='hoạt động của thành phố')),
                ('unit_plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='plan.unitplan')),
            ],
            options={
                'verbose_name': 'nội dung kế hoạch đơn vị',
                'verbose_name_plural': 'nội dung kế hoạch đơn vị',
                'db_table': 'workflows_unitplanitem',
                'ordering': ['unit_plan', 'due_date', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='OversightAssignment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('member', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='plan_oversight', to=settings.AUTH_USER_MODEL, verbose_name='thành viên hội đồng')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organisations.unit', verbose_name='đơn vị phụ trách')),
                ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='oversight_assignments', to='plan.plan', verbose_name='kế hoạch')),
            ],
            options={
                'verbose_name': 'phân công phụ trách',
                'verbose_name_plural': 'phân công phụ trách',
                'db_table': 'workflows_oversightassignment',
                'ordering': ['plan', 'member', 'unit__name'],
                'constraints': [models.UniqueConstraint(fields=('plan', 'member', 'unit'), name='oversight_once')],
            },
        ),
        migrations.AddIndex(
            model_name='activity',
            index=models.Index(fields=['state', 'due_date'], name='activity_state_due_idx'),
        ),
        migrations.AddConstraint(
            model_name='activity',
            constraint=models.UniqueConstraint(fields=('plan', 'number'), name='activity_number_once_per_plan'),
        ),
        migrations.AddConstraint(
            model_name='activity',
            constraint=models.CheckConstraint(condition=models.Q(('quarter__gte', 1), ('quarter__lte', 4)), name='activity_quarter_1_to_4'),
        ),
        migrations.AddConstraint(
            model_name='unitplan',
            constraint=models.UniqueConstraint(fields=('plan', 'unit'), name='unit_plan_once_per_year'),
        ),
        migrations.AddConstraint(
            model_name='progressreport',
            constraint=models.UniqueConstraint(fields=('unit_plan', 'period'), name='progress_report_once_per_period'),
        ),
        migrations.AddConstraint(
            model_name='unitplanitem',
            constraint=models.UniqueConstraint(condition=models.Q(('activity__isnull', False)), fields=('unit_plan', 'activity'), name='unit_plan_item_once_per_activity'),
        ),
    ])]
