/** Pure geometry on the WGS84 ellipsoid; imports nothing else of Truceline's. */
export { WGS84_A, WGS84_F, GEOD, geodesicDistanceM, ecef } from './ellipsoid';
export { GaussSphere } from './gauss-sphere';
export { ExactPolyline, exactDistanceToSegment, type SegmentDistance } from './geodesic';
export { LineIndex, newLineHit, type LineHit, type LineIndexOptions, type LinePart } from './line-index';
export { PolygonIndex } from './polygon-index';
export { lineFromArea, outerEdges, ringsInBox, polylineLengthM, ringSignedArea2, type DerivedLine, type DerivedLinePart, type LineFromAreaOptions, type PolygonCoords } from './line-from-area';
export { polygonalProblems, linealProblems, positionProblem, inRing, type GeometryProblem } from './validity';
export { contourLines } from './contours';
