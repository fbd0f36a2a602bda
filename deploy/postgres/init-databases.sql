-- One database per service: no service reads another's tables.
CREATE DATABASE registry;
CREATE DATABASE promotion;
CREATE DATABASE environment;
CREATE DATABASE reporting;
