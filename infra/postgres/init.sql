-- Each service keeps its own tables (named after the service) in the one database `esa`.
-- eventsourcing creates them on first start; nothing else is needed here.
SELECT 1;
