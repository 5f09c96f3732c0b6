// Sidecars as darktable, digiKam, Lightroom/Bridge and Photo Mechanic write them, by hand after
// their layouts. Kept out of the test's own file: moc does not understand raw string literals.
#include "core/catalog/XmpSamples.h"

namespace hdr::test::catalog {

// darktable: attributes on one rdf:Description, its own namespace and a development history.
const std::string kDarktable = R"(<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:exif="http://ns.adobe.com/exif/1.0/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:darktable="http://darktable.sf.net/"
   exif:DateTimeOriginal="2024:05:01 10:11:12"
   xmp:Rating="2"
   xmpMM:DerivedFrom="20240501_101112_stage1_1024x1024.png"
   darktable:import_timestamp="63850000000000000"
   darktable:xmp_version="5"
   darktable:history_end="1"
   darktable:iop_order_version="4">
   <darktable:masks_history>
    <rdf:Seq/>
   </darktable:masks_history>
   <darktable:history>
    <rdf:Seq>
     <rdf:li
      darktable:num="0"
      darktable:operation="exposure"
      darktable:enabled="1"
      darktable:params="0000000000000000cdcccc3e"/>
    </rdf:Seq>
   </darktable:history>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
)";

// digiKam: pick and colour labels, the Windows percent rating, tags, inside an xpacket.
const std::string kDigiKam = "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
                             R"(<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:digiKam="http://www.digikam.org/ns/1.0/"
    xmlns:MicrosoftPhoto="http://ns.microsoft.com/photo/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
   xmp:Rating="3"
   digiKam:PickLabel="3"
   digiKam:ColorLabel="0"
   MicrosoftPhoto:Rating="50">
   <digiKam:TagsList>
    <rdf:Seq>
     <rdf:li>Portraits/Studio</rdf:li>
    </rdf:Seq>
   </digiKam:TagsList>
   <dc:subject>
    <rdf:Bag>
     <rdf:li>Studio &amp; light</rdf:li>
    </rdf:Bag>
   </dc:subject>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>)";

// Lightroom / Bridge (older Adobe XMP Core): the "xap" prefix, element form, one description per
// schema, a Bridge reject (-1) and a colour label.
const std::string kLightroom =
    R"(<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 5.6-c140 79.160451, 2017/05/06-01:08:21        ">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/"
    crs:Version="10.0"
    crs:Exposure2012="+0.35"/>
  <rdf:Description rdf:about=""
    xmlns:xap="http://ns.adobe.com/xap/1.0/">
   <xap:Rating>-1</xap:Rating>
   <xap:Label>Red</xap:Label>
   <!-- written by hand -->
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
)";

// Photo Mechanic: a tag (its pick) and a colour class, Rating 0.
const std::string kPhotoMechanic = R"(<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 5.1.2">
  <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
    <rdf:Description rdf:about=""
        xmlns:xmp="http://ns.adobe.com/xap/1.0/"
        xmlns:photomechanic="http://ns.camerabits.com/photomechanic/1.0/"
        xmp:Rating="0"
        photomechanic:ColorClass="2"
        photomechanic:Tagged="True"/>
  </rdf:RDF>
</x:xmpmeta>
)";

} // namespace hdr::test::catalog
