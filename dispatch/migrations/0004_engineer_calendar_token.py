import secrets

from django.db import migrations, models


def give_tokens(apps, schema_editor):
    Engineer = apps.get_model("dispatch", "Engineer")
    for engineer in Engineer.objects.filter(calendar_token__isnull=True):
        engineer.calendar_token = secrets.token_urlsafe()
        engineer.save(update_fields=["calendar_token"])


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0003_work_orders_bookings_ratings")]

    operations = [
        migrations.AddField(
            model_name="engineer",
            name="calendar_token",
            field=models.CharField(editable=False, max_length=64, null=True, verbose_name="calendar feed token"),
        ),
        migrations.RunPython(give_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="engineer",
            name="calendar_token",
            field=models.CharField(
                default=secrets.token_urlsafe,
                editable=False,
                max_length=64,
                unique=True,
                verbose_name="calendar feed token",
            ),
        ),
    ]
