-- The runner writes the step rows of a job in one statement at the end of the job's
-- transaction (fewer round trips per step), after the events, emails and reservations that name
-- those steps. Checking these references at commit keeps them exact.
alter table events drop constraint events_consumed_by_step_fkey,
  add constraint events_consumed_by_step_fkey foreign key (consumed_by_step) references steps (id) deferrable initially deferred;
alter table emails drop constraint emails_step_id_fkey,
  add constraint emails_step_id_fkey foreign key (step_id) references steps (id) deferrable initially deferred;
alter table reservations drop constraint reservations_step_id_fkey,
  add constraint reservations_step_id_fkey foreign key (step_id) references steps (id) deferrable initially deferred;
