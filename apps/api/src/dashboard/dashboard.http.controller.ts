import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFound } from '#domain';
import { Access } from '../http/access.js';
import { ApiCorrelationIdHeader, ApiErrorStatus, ApiErrors } from '../http/openapi.js';
import { ASSET_NAME, DASHBOARD_CSP, type DashboardAsset, loadDashboardAssets } from './dashboard-assets.js';

/**
 * The operators' dashboard: a static page and its own scripts and styles.
 * The page itself is public; the figures it shows come from the API's read
 * endpoints, called by the page with the key the operator enters.
 */
@ApiTags('dashboard')
@Access('public')
@Controller('dashboard')
export class DashboardHttpController {
  private readonly assets: ReadonlyMap<string, DashboardAsset> = loadDashboardAssets();

  @Get()
  @ApiOperation({ summary: 'The dashboard page: pledged vs delivered per partner pair, with drill-down (HTML)' })
  // The page is HTML; its errors are the ledger's JSON error body (so no @ApiProduces for the whole operation).
  @ApiOkResponse({
    description: 'the page, with a strict Content-Security-Policy, `Cache-Control: no-cache` and an ETag',
    content: { 'text/html': { schema: { type: 'string' } } },
  })
  @ApiResponse({ status: 304, description: 'not modified (If-None-Match matched the ETag)' })
  @ApiErrors('invalid-header')
  @ApiCorrelationIdHeader()
  page(@Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    this.send(this.assets.get('index.html')!, request, reply);
  }

  @Get('assets/:file')
  @ApiOperation({ summary: "One of the dashboard's scripts, style sheets or images" })
  @ApiParam({ name: 'file', description: 'the file name, e.g. app.js', example: 'app.js' })
  @ApiOkResponse({
    description: 'the file, with its Content-Type, `Cache-Control: no-cache` and an ETag',
    content: {
      'text/javascript': { schema: { type: 'string' } },
      'text/css': { schema: { type: 'string' } },
      'image/svg+xml': { schema: { type: 'string' } },
    },
  })
  @ApiResponse({ status: 304, description: 'not modified (If-None-Match matched the ETag)' })
  @ApiErrors('invalid-header')
  @ApiErrorStatus(404, ['asset-not-found'], { description: 'No such dashboard file.' })
  @ApiErrorStatus(414, ['invalid-request'], { message: 'a path parameter is too long' })
  @ApiCorrelationIdHeader()
  asset(@Param('file') file: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    const asset = ASSET_NAME.test(file) && file !== 'index.html' ? this.assets.get(file) : undefined;
    if (!asset) throw new NotFound('asset-not-found', 'no such dashboard file');
    this.send(asset, request, reply);
  }

  private send(asset: DashboardAsset, request: FastifyRequest, reply: FastifyReply): void {
    void reply
      .header('content-security-policy', DASHBOARD_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-cache')
      .header('etag', asset.etag);
    const ifNoneMatch = request.headers['if-none-match'];
    if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === asset.etag)) {
      void reply.code(304).send();
      return;
    }
    void reply.header('content-type', asset.contentType).send(asset.body);
  }
}
