from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_notice'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='subscribed_weekly_report',
            field=models.BooleanField(default=False),
        ),
    ]
