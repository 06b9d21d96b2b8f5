DROP TABLE notifications;
DROP TABLE notify_recipients;
