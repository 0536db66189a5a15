"""The daily schedule, run by Rits itself (``manage.py run_schedule``, next to the
workers): apps register their daily jobs in their ``jobs.py`` (``registry.daily_job``);
the scheduler claims each job's day once (``ScheduledRun``) and queues it for the
workers."""
