export * from './framer';
export * from './parse';
export * from './map';
export { escapeXml, escapeXmlAttr, XmlError, DEFAULT_XML_LIMITS, type XmlLimits, type XmlErrorCode } from './xml';
