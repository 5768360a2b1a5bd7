import { Module } from '@nestjs/common';
import { DashboardHttpController } from './dashboard.http.controller.js';

/** The dashboard's static files (GET /dashboard). */
@Module({ controllers: [DashboardHttpController] })
export class DashboardModule {}
