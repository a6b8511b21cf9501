import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('dispatch', '0013_work_order_request_required'),
        ('grabbing', '0003_graborder_work_order_backfill'),
    ]

    operations = [
        migrations.AlterField(
            model_name='graborder',
            name='work_order',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='grab_orders', to='dispatch.workorder', verbose_name='work order'),
        ),
    ]
