// Behaviour of the rule-based CAMEO coder on sentences written for these tests.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "eventwire/dates.h"
#include "eventwire/extract.h"

namespace eventwire {
namespace {

using ::testing::HasSubstr;

// One sentence per line; publication date as given.
CleanArticle Article(const std::string& text, CivilDate published = {2024, 5, 15}, std::string id = "a1") {
  CleanArticle a;
  a.id = std::move(id);
  a.text = text;
  a.language = "en";
  a.publication_date = published;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    if (nl > start) a.sentences.push_back({start, nl});
    start = nl + 1;
  }
  return a;
}

v1::Story StoryOf(const std::string& id) {
  v1::Story s;
  s.set_story_id(id);
  s.set_num_articles(1);
  s.set_num_sources(1);
  return s;
}

class ExtractTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto e = Extractor::Load({.data_dir = EVENTWIRE_SOURCE_DIR "/data"});
    ASSERT_TRUE(e.ok()) << e.status();
    extractor_ = std::move(*e).release();
  }
  static void TearDownTestSuite() {
    delete extractor_;
    extractor_ = nullptr;
  }
  std::vector<v1::Event> Code(const std::string& text, CivilDate published = {2024, 5, 15}) {
    return extractor_->Extract(Article(text, published), StoryOf("s1"));
  }
  static Extractor* extractor_;
};
Extractor* ExtractTest::extractor_ = nullptr;

TEST_F(ExtractTest, ActiveVoiceSourceAndTarget) {
  auto ev = Code("Pakistani troops attacked Baloch separatists near the border on Monday.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cameo_root(), "19");
  EXPECT_EQ(ev[0].quad_class(), 4);
  EXPECT_EQ(ev[0].plover_type(), "ASSAULT");
  EXPECT_EQ(ev[0].source().code(), "PAKMIL");
  EXPECT_EQ(ev[0].source().country_code(), "PAK");
  EXPECT_EQ(ev[0].target().known_group(), "BLA");
}

TEST_F(ExtractTest, PassiveVoiceSwapsDirectionAndCountsCasualties) {
  auto ev = Code("Twelve villagers were killed by insurgents in Kandahar late on Sunday.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].source().role(), "INS");
  EXPECT_EQ(ev[0].target().role(), "CVL");
  EXPECT_EQ(ev[0].casualties().killed(), 12u);
  ASSERT_EQ(ev[0].casualties().counts_size(), 1);
  EXPECT_EQ(ev[0].casualties().counts(0).group(), "villagers");
  EXPECT_EQ(ev[0].location().name(), "Kandahar");
  EXPECT_EQ(ev[0].location().country_code(), "AFG");
  EXPECT_TRUE(ev[0].location().has_coordinates());
  EXPECT_EQ(ev[0].location().method(), "explicit");
}

TEST_F(ExtractTest, NegatedEventsAreNotCoded) {
  EXPECT_TRUE(Code("The Indian army did not attack the Chinese border posts.").empty());
  EXPECT_TRUE(Code("Rebels never attacked the Congolese police in the town.").empty());
  EXPECT_TRUE(Code("Iraqi police failed to arrest the Kuwaiti smugglers.").empty());
}

TEST_F(ExtractTest, ThreatRecodesTheComplement) {
  auto ev = Code("Turkey threatened to impose sanctions on Syria over the dispute.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cameo_code(), "1312");
  EXPECT_EQ(ev[0].modality(), "threatened");
  EXPECT_EQ(ev[0].source().code(), "TUR");
  EXPECT_EQ(ev[0].target().code(), "SYR");
}

TEST_F(ExtractTest, PlannedVisitIsIntentNotVisit) {
  auto ev = Code("The Japanese prime minister plans to visit India next month.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cameo_code(), "036");
  EXPECT_EQ(ev[0].modality(), "planned");
  EXPECT_EQ(ev[0].source().code(), "JPNGOV");
  EXPECT_EQ(ev[0].target().code(), "IND");
}

TEST_F(ExtractTest, RefusalOfTalksIsCode125) {
  auto ev = Code("The Taliban refused to take part in talks with the Afghan government.", {2016, 3, 1});
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cameo_code(), "125");
  EXPECT_EQ(ev[0].source().code(), "TAL");
  EXPECT_EQ(ev[0].source().role(), "INS");
  EXPECT_EQ(ev[0].target().code(), "AFGGOV");
}

TEST_F(ExtractTest, RolesFollowTheArticleDate) {
  auto before = Code("The Taliban criticized the Iranian government.", {2019, 1, 10});
  auto after = Code("The Taliban criticized the Iranian government.", {2023, 1, 10});
  ASSERT_EQ(before.size(), 1u);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(before[0].cameo_code(), "111");
  EXPECT_EQ(before[0].source().role(), "INS");
  EXPECT_EQ(after[0].source().role(), "GOV");
}

TEST_F(ExtractTest, ReportedSpeechSourceIsTheInnerSubject) {
  auto ev = Code("Egyptian officials said Hamas rejected the ceasefire proposal.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cameo_root(), "12");
  EXPECT_EQ(ev[0].source().known_group(), "HMS");
  EXPECT_TRUE(ev[0].quote().quoted());
  EXPECT_EQ(ev[0].quote().speaker(), "Egyptian officials");
}

TEST_F(ExtractTest, CoordinatedSourcesGiveOneEventEach) {
  auto ev = Code("Qatar and Egypt mediated between Israel and Hamas in Cairo.");
  ASSERT_GE(ev.size(), 2u);
  EXPECT_EQ(ev[0].cameo_code(), "045");
  std::vector<std::string> sources;
  for (const auto& e : ev) sources.push_back(e.source().code());
  EXPECT_THAT(sources, ::testing::IsSupersetOf({"QAT", "EGY"}));
}

TEST_F(ExtractTest, LongestNameWins) {
  auto ev = Code("Tehrik-e-Taliban Pakistan fighters attacked a police station in Bannu.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].source().known_group(), "TTP");
  EXPECT_EQ(ev[0].source().country_code(), "PAK");
  EXPECT_EQ(ev[0].target().role(), "COP");
}

TEST_F(ExtractTest, CapitalAsGovernmentAndAsPlace) {
  auto ev = Code("Islamabad condemned the raid, which took place in Kabul.");
  ASSERT_GE(ev.size(), 1u);
  EXPECT_EQ(ev[0].cameo_code(), "111");
  EXPECT_EQ(ev[0].source().code(), "PAKGOV");
}

TEST_F(ExtractTest, NominalTriggerTakesAdjacentActor) {
  auto ev = Code("Russian airstrikes on Ukrainian positions killed at least 14 soldiers, officials said.");
  ASSERT_GE(ev.size(), 1u);
  EXPECT_EQ(ev[0].cameo_code(), "195");
  EXPECT_EQ(ev[0].source().country_code(), "RUS");
  EXPECT_EQ(ev[0].target().country_code(), "UKR");
  EXPECT_EQ(ev[0].casualties().killed(), 14u);
}

TEST_F(ExtractTest, AppealNamesItsAddressee) {
  auto ev = Code("The European Union urged Iran to release the detained journalists.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cameo_code(), "0253");
  EXPECT_EQ(ev[0].source().code(), "EU");
  EXPECT_EQ(ev[0].target().code(), "IRN");
}

TEST_F(ExtractTest, TitleAndUnknownNameMakeAPerson) {
  auto ev = Code("Kenyan President Samuel Odhiambo praised the Ugandan army.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cameo_code(), "051");
  EXPECT_EQ(ev[0].source().person(), "Samuel Odhiambo");
  EXPECT_EQ(ev[0].source().code(), "KENGOV");
  EXPECT_EQ(ev[0].target().code(), "UGAMIL");
}

TEST_F(ExtractTest, DatelineGivesLocationWhenNoPlaceIsNamed) {
  auto ev = Code("QUETTA - Pakistani police arrested four Afghan smugglers.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cameo_code(), "173");
  EXPECT_EQ(ev[0].source().code(), "PAKCOP");
  EXPECT_EQ(ev[0].location().name(), "Quetta");
  EXPECT_EQ(ev[0].location().method(), "dateline");
  EXPECT_EQ(ev[0].event_date().method(), "publication");
  EXPECT_EQ(ev[0].event_date().date(), "2024-05-15");
}

TEST_F(ExtractTest, IdsAreDeterministicAndEvidenceUsesCodePoints) {
  const std::string text = "Café owners met.\nThe Brazilian government criticized Argentina’s decision.";
  auto a = extractor_->Extract(Article(text), StoryOf("s9"));
  auto b = extractor_->Extract(Article(text), StoryOf("s9"));
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].event_id(), b[0].event_id());
  EXPECT_EQ(a[0].evidence().start(), 17u);  // "Café owners met.\n" is 17 code points
  EXPECT_GT(a[0].confidence(), 0.0);
  EXPECT_LE(a[0].confidence(), 1.0);
}

TEST_F(ExtractTest, NonEnglishAndChromeYieldNothing) {
  CleanArticle a = Article("Las tropas rusas atacaron la ciudad.");
  a.language = "es";
  EXPECT_TRUE(extractor_->Extract(a, StoryOf("s2")).empty());
  EXPECT_TRUE(Code("Subscribe to our newsletter to read how Russia attacked Ukraine.").empty());
}

TEST_F(ExtractTest, AgentsTakeTheCountryNamedWithThem) {
  auto ev = Code("Police in Mombasa arrested three smugglers on Friday.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].source().code(), "KENCOP");
  ev = Code("Chilean prosecutors charged the former minister with fraud.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].target().country_code(), "CHL");  // the domestic reading
}

TEST_F(ExtractTest, OfficesOfCoordinatedCountriesMeetBothWays) {
  auto ev = Code("The foreign ministers of Peru and Bolivia met in Lima on Monday.");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].source().code(), "PERGOV");
  EXPECT_EQ(ev[0].target().code(), "BOLGOV");
  EXPECT_EQ(ev[1].source().code(), "BOLGOV");
  EXPECT_EQ(ev[1].target().code(), "PERGOV");
}

TEST_F(ExtractTest, CoordinatedDemonymsShareTheHeadNoun) {
  auto ev = Code("Dutch and Belgian officials criticized Venezuela over the detentions.");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].source().code(), "NLDGOV");
  EXPECT_EQ(ev[1].source().code(), "BELGOV");
}

TEST_F(ExtractTest, SecondVerbKeepsTheFirstVerbsSubject) {
  auto ev = Code("Nepal welcomed the Chinese offer of loans and rejected Indian demands for a new survey.");
  bool found = false;
  for (const auto& e : ev)
    if (e.cameo_root() == "12") {
      found = true;
      EXPECT_EQ(e.source().country_code(), "NPL");
    }
  EXPECT_TRUE(found);
}

TEST_F(ExtractTest, ObjectNominalIsBackgroundNotANewEvent) {
  auto ev = Code("Kyiv criticized the Belarusian offer of talks.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cameo_root(), "11");
  EXPECT_EQ(ev[0].target().country_code(), "BLR");
}

TEST_F(ExtractTest, VictimsOfAParticipleClauseAreTheTarget) {
  auto ev = Code("Militants shelled a market in Kandahar on Sunday, killing at least six civilians.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].target().role(), "CVL");
  EXPECT_EQ(ev[0].casualties().killed(), 6u);
}

TEST_F(ExtractTest, CountedGroupBeforeParticipleIsTheVictim) {
  auto ev = Code("The army said 14 soldiers were killed in a Taliban ambush.", {2019, 6, 1});
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].source().code(), "TAL");
  EXPECT_EQ(ev[0].target().role(), "MIL");
}

TEST_F(ExtractTest, AgreementBetweenCoordinatedPartiesIsMutual) {
  auto ev = Code("Chile and Peru agreed to reopen their shared border.");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].source().country_code(), ev[1].target().country_code());
  EXPECT_EQ(ev[0].target().country_code(), ev[1].source().country_code());
}

TEST_F(ExtractTest, NegationInsideAFrameDropsTheEvent) {
  EXPECT_TRUE(Code("Egypt will not support any steps by the Sudanese army.").empty());
}

TEST_F(ExtractTest, DeniedThatClauseCodesTheDenial) {
  auto ev = Code("Syria's defence ministry denied on Sunday that it had supplied missiles to Hezbollah.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cameo_code(), "016");
  EXPECT_EQ(ev[0].source().country_code(), "SYR");
}

TEST_F(ExtractTest, WouldInReportedSpeechIsAnIntent) {
  auto ev = Code("Ghana's government said on Friday it would withdraw its troops from the border.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cameo_root(), "03");
  EXPECT_TRUE(Code("Ghana could withdraw its troops from the border.").empty());
}

TEST_F(ExtractTest, InstrumentSubjectGivesTargetWithoutSource) {
  auto ev = Code("A roadside bomb killed four policemen in Kandahar on Tuesday.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cameo_root(), "18");
  EXPECT_TRUE(ev[0].source().code().empty());
  EXPECT_EQ(ev[0].target().role(), "COP");
  EXPECT_EQ(ev[0].casualties().killed(), 4u);
}

TEST_F(ExtractTest, LocationFromMovementTargetAndPlaceHeads) {
  auto ev = Code("The Indian prime minister flew to Kathmandu on Monday for talks.");
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev[0].location().country_code(), "NPL");
  ev = Code("Russian troops shelled the outskirts of Kharkiv overnight.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].location().country_code(), "UKR");
  EXPECT_TRUE(ev[0].location().has_coordinates());
}

TEST_F(ExtractTest, SentenceInitialPronounTakesThePreviousSubject) {
  auto ev = Code("Chile criticized Peru over the fishing dispute on Monday.\nIt also recalled its ambassador from Lima.");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].cameo_code(), "161");
  EXPECT_EQ(ev[1].source().country_code(), "CHL");
}

TEST_F(ExtractTest, RelativeClauseAfterAppositionTakesTheNamedActor) {
  auto ev = Code("Officials named the Baloch Liberation Army (BLA), a separatist group that has attacked Chinese engineers.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].source().known_group(), "BLA");
}

TEST_F(ExtractTest, DefiniteReferenceTakesTheLastGroupNamedBefore) {
  auto ev = Code("Al-Shabaab fighters overran a base near Kismayo on Friday.\n"
                 "Kenya's foreign ministry condemned the group on Saturday.");
  ASSERT_GE(ev.size(), 2u);
  EXPECT_EQ(ev.back().cameo_root(), "11");
  EXPECT_EQ(ev.back().target().known_group(), "SHB");
  // "the militants" with no group named in their sentence: the same group.
  ev = Code("Al-Shabaab claimed the bombing of a hotel in Mogadishu.\n"
            "Somali troops later attacked the militants in Lower Shabelle.");
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev.back().cameo_root(), "19");
  EXPECT_EQ(ev.back().target().code(), "SHB");
}

TEST_F(ExtractTest, DefiniteCountryReferenceTakesTheLastCountry) {
  auto ev = Code("Officials in Ottawa criticized Venezuela over the disputed vote.\n"
                 "Canada then imposed new sanctions on the country.");
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev.back().cameo_root(), "16");
  EXPECT_EQ(ev.back().target().country_code(), "VEN");
}

TEST_F(ExtractTest, ClubNamesAndCompanyDealsAreNotEvents) {
  EXPECT_TRUE(Code("Real Madrid beat Sevilla 3-1 on Sunday to go top of the table.").empty());
  EXPECT_TRUE(Code("The company agreed to buy two smaller firms for $40 million in cash.").empty());
  // A capital after a weekday is still the government.
  auto ev = Code("On Monday Moscow expelled two Estonian diplomats.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].source().code(), "RUSGOV");
}

TEST_F(ExtractTest, ReactionToAnEarlierEventTargetsItsActor) {
  auto ev = Code("Chinese President Xi Jinping visited Belgrade on Tuesday.\n"
                 "Kosovo's foreign ministry criticised the visit on Wednesday.");
  ASSERT_GE(ev.size(), 2u);
  EXPECT_EQ(ev.back().cameo_root(), "11");
  EXPECT_EQ(ev.back().target().country_code(), "CHN");
}

TEST_F(ExtractTest, MentionInsideARelativeClauseIsNotTheSubject) {
  auto ev = Code("Norway, which Sweden has long admired, criticised the new budget cuts.");
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev.back().cameo_root(), "11");
  EXPECT_EQ(ev.back().source().country_code(), "NOR");
}

TEST_F(ExtractTest, ReactionWithoutObjectTargetsTheLastActorAgainstTheSource) {
  auto ev = Code("Ethiopian troops shelled positions held by Eritrean forces near Zalambessa.\n"
                 "The Eritrean army vowed to retaliate.");
  ASSERT_GE(ev.size(), 2u);
  EXPECT_EQ(ev.back().cameo_root(), "13");
  EXPECT_EQ(ev.back().target().country_code(), "ETH");
}

TEST_F(ExtractTest, DomesticProtestWithoutTargetIsAimedAtTheGovernment) {
  auto ev = Code("Hundreds of Chilean students marched in Valparaiso on Thursday.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cameo_root(), "14");
  EXPECT_EQ(ev[0].target().code(), "CHLGOV");
  // The government protesting is not aimed at itself.
  ev = Code("The Chilean government protested to Peru over the fishing dispute.");
  ASSERT_FALSE(ev.empty());
  EXPECT_NE(ev[0].target().code(), "CHLGOV");
}

TEST_F(ExtractTest, JointActOfCoordinatedSubjectsIsBetweenThemDespiteAnObject) {
  auto ev = Code("Greek and Egyptian warships conducted joint patrols off the coast of Libya.");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].source().country_code(), ev[1].target().country_code());
  EXPECT_EQ(ev[0].target().country_code(), ev[1].source().country_code());
  EXPECT_NE(ev[0].target().country_code(), "LBY");
  // A partner named with "with" stays the target of both.
  ev = Code("Chile and Peru agreed to share radar data with Bolivia.");
  ASSERT_FALSE(ev.empty());
  for (const auto& e : ev) EXPECT_EQ(e.target().country_code(), "BOL");
}

TEST_F(ExtractTest, DelegationsCounterpartsAndGroupOfficialsAreGovernment) {
  auto ev = Code("Serbian and Croatian delegations held talks in Brussels.");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].source().code(), "SRBGOV");
  EXPECT_EQ(ev[0].target().role(), "GOV");
  ev = Code("Kenya's foreign minister met his Ugandan counterpart in Kampala.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].target().code(), "UGAGOV");
}

TEST_F(ExtractTest, DenialHasNoTarget) {
  auto ev = Code("Burundi's army denied arming the rebels.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cameo_code(), "016");
  EXPECT_TRUE(ev[0].target().code().empty());
}

TEST_F(ExtractTest, InquiryTargetsTheSuspectNotTheVictims) {
  auto ev = Code("Peruvian prosecutors are investigating the murder of a Chilean reporter.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cameo_root(), "09");
  EXPECT_TRUE(ev[0].target().code().empty());
  ev = Code("Human Rights Watch is investigating reported abuses by Nigerian soldiers.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].target().code(), "NGAMIL");
}

TEST_F(ExtractTest, ReactionToAnEventNounTargetsTheActorOfThatEvent) {
  // A generic "decision" is the article's lead act; the lead had two actors.
  auto ev = Code("Malta and Cyprus recognised Palestine as a state on Monday.\n"
                 "Serbia's foreign minister denounced the moves on social media.");
  ASSERT_GE(ev.size(), 4u);
  EXPECT_EQ(ev[ev.size() - 2].cameo_root(), "11");
  EXPECT_EQ(ev[ev.size() - 2].target().country_code(), "MLT");
  EXPECT_EQ(ev.back().target().country_code(), "CYP");
  // "the detentions" refers to the arrests reported before, not to a later actor.
  ev = Code("Belarusian police detained dozens of opposition activists in Minsk.\n"
            "Lithuania's president condemned the detentions.");
  ASSERT_GE(ev.size(), 2u);
  EXPECT_EQ(ev.back().cameo_root(), "11");
  EXPECT_EQ(ev.back().target().code(), "BLRCOP");
}

TEST_F(ExtractTest, DomesticThreatsAndDemandsWithoutTargetAreAimedAtTheGovernment) {
  auto ev = Code("The Malawian opposition threatened to stage mass rallies on Friday.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cameo_root(), "13");
  EXPECT_EQ(ev[0].target().code(), "MWIGOV");
  ev = Code("Ghanaian trade unions demanded higher wages on Monday.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cameo_root(), "10");
  EXPECT_EQ(ev[0].target().code(), "GHAGOV");
  // A named armed group's demand may address a foreign enemy: no guess.
  ev = Code("Hamas demanded a halt to the raids on Monday.");
  for (const auto& e : ev) EXPECT_TRUE(e.target().code().empty()) << e.target().code();
}

TEST_F(ExtractTest, ACountrysLeadersAreItsGovernment) {
  auto ev = Code("Chile's president praised the Argentine and Bolivian leaders after the summit.");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].target().code(), "ARGGOV");
  EXPECT_EQ(ev[1].target().code(), "BOLGOV");
}

TEST_F(ExtractTest, StatementAddresseeAfterTo) {
  auto ev = Code("The Chilean president expressed condolences to Ecuador after the floods.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cameo_root(), "01");
  EXPECT_EQ(ev[0].target().country_code(), "ECU");
}

TEST_F(ExtractTest, CondemnedActInACountryTargetsThatCountry) {
  auto ev = Code("Senegal criticised the coup attempt in Guinea.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cameo_root(), "11");
  EXPECT_EQ(ev[0].target().country_code(), "GIN");
}

TEST_F(ExtractTest, BothSidesAreTheLastDyad) {
  auto ev = Code("Thai troops shelled Cambodian positions near the temple.\n"
                 "Malaysia urged both sides to show restraint.");
  ASSERT_GE(ev.size(), 3u);
  const auto& a = ev[ev.size() - 2];
  const auto& b = ev.back();
  EXPECT_EQ(a.source().country_code(), "MYS");
  EXPECT_EQ(a.target().country_code(), "THA");
  EXPECT_EQ(b.target().country_code(), "KHM");
}

TEST_F(ExtractTest, ActsAbroadWithoutTargetAimAtTheHostCountry) {
  auto ev = Code("The Nepali foreign minister flew to Shanghai on Monday.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cameo_code(), "042");
  EXPECT_EQ(ev[0].target().code(), "CHN");
  ev = Code("Egyptian warplanes bombed several villages near Derna on Friday.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].target().country_code(), "LBY");
  // At home there is no such guess.
  ev = Code("Egyptian warplanes bombed several villages near Arish on Friday.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_TRUE(ev[0].target().code().empty()) << ev[0].target().code();
}

TEST_F(ExtractTest, CountedPluralDemonymsArePeopleAndCompoundsAreNoParties) {
  auto ev = Code("Thousands of Kenyans marched in Nairobi on Tuesday.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].source().code(), "KENCVL");
  ev = Code("Rwanda pledged troops for a UN-backed force in Mozambique.");
  ASSERT_FALSE(ev.empty());
  EXPECT_NE(ev[0].target().code(), "UNO");
  ev = Code("Canada froze military exports to Saudi Arabia.");
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev[0].source().code(), "CAN");
  EXPECT_EQ(ev[0].target().country_code(), "SAU");
}

TEST_F(ExtractTest, ForceAgainstVillagesOrPeopleHitsTheCiviliansOfThePlace) {
  auto ev = Code("Malian soldiers shelled houses in a village near Gao on Sunday.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].target().code(), "MLICVL");
  ev = Code("Israeli forces destroyed Palestinian houses near Nablus.");
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev[0].target().code(), "PSECVL");
  // Without a place there is no guess.
  ev = Code("Soldiers shelled houses on Sunday.");
  for (const auto& e : ev) EXPECT_TRUE(e.target().code().empty()) << e.target().code();
}

TEST_F(ExtractTest, PossessiveObjectInReportedSpeechIsTheSpeakers) {
  auto ev = Code("Ghana's foreign ministry said Togo had turned down its request for talks.");
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev[0].cameo_root(), "12");
  EXPECT_EQ(ev[0].source().country_code(), "TGO");
  EXPECT_EQ(ev[0].target().country_code(), "GHA");
}

TEST_F(ExtractTest, GovernmentActingOnItsOwnCountryActsOnItsPeople) {
  auto ev = Code("Ethiopia's government imposed a curfew across the country on Monday.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].target().code(), "ETHCVL");
}

TEST_F(ExtractTest, AidOfInternationalOrganisationsAimsAtTheHostCountry) {
  auto ev = Code("The World Food Programme airdropped food to families near Goma.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cameo_root(), "07");
  EXPECT_EQ(ev[0].target().code(), "CODCVL");
}

TEST_F(ExtractTest, AllCapsNameIsNoObjectPronounAndParticiplesAreAdjectives) {
  auto ev = Code("Kenyan officials met US envoy Mike Hammer in Nairobi.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].target().country_code(), "USA");
  ev = Code("Iranian guards beat jailed students in Tehran.");
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev[0].target().country_code(), "IRN");
  // Ministers, defence included, are government.
  ev = Code("Kenya's defence minister visited soldiers and police officers in Mandera.");
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev[0].source().code(), "KENGOV");
  EXPECT_EQ(ev[0].target().code(), "KENMIL");
}

TEST_F(ExtractTest, AgentsWithoutCountryTakeTheArticlesLatestNationalActor) {
  auto ev = Code("Peru's president dissolved Congress on Tuesday.\n"
                 "Police fired tear gas at the crowds.");
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev.back().source().code(), "PERCOP");
}

TEST_F(ExtractTest, ObjectPhraseCuesNameTheParty) {
  // The proposer of what is rejected.
  auto ev = Code("The Lebanese prime minister rejected a plan proposed by the French president.");
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev[0].target().country_code(), "FRA");
  // The other side of the talks, not the inviter.
  ev = Code("Sudan's army agreed to attend talks with the Rapid Support Forces hosted by Kenya.");
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev[0].target().known_group(), "RSF");
  // The recipient of a transfer, not what is handed over.
  ev = Code("Italy extradited a suspected smuggler to Libyan authorities on Monday.");
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev[0].target().code(), "LBYGOV");
}

TEST_F(ExtractTest, DemonymBeforeLandIsAPlace) {
  auto ev = Code("Beijing vowed to defend Chinese territory at any cost.");
  for (const auto& e : ev) EXPECT_TRUE(e.target().code().empty()) << e.target().code();
  ev = Code("Azerbaijani troops seized a strip of Armenian territory on Monday.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].target().country_code(), "ARM");
}

TEST_F(ExtractTest, RestrictionsOnFreedomsApplyToThePeopleButCurfewsHaveNoTarget) {
  auto ev = Code("The Ugandan government shut down mobile internet on Tuesday.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cameo_code(), "1721");
  EXPECT_EQ(ev[0].target().code(), "UGACVL");
  ev = Code("The Ugandan government imposed a curfew in Kampala on Tuesday.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cameo_code(), "1723");
  EXPECT_TRUE(ev[0].target().code().empty()) << ev[0].target().code();
}

TEST_F(ExtractTest, AGroupsBranchIsTheGroup) {
  auto ev = Code("Al-Shabaab's Kenyan wing claimed the ambush.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].source().known_group(), "SHB");
}

TEST_F(ExtractTest, RoutesBetweenCountriesAndPrisonersAreNoParties) {
  // The crossing between two countries is a place; the protest aims at the government.
  auto ev = Code("Mexican farmers blockaded the highway between Mexico and Guatemala.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].target().code(), "MEXGOV");
  // Whoever must be released is held by the target, not the target.
  ev = Code("Tunisian opposition parties demanded the speaker's immediate release.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cameo_code(), "1053");
  EXPECT_EQ(ev[0].target().code(), "TUNGOV");
  // An inquiry's suspect comes after "by", past the victims.
  ev = Code("Amnesty International is investigating the deaths of farmers killed by Nigerian soldiers.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].target().code(), "NGAMIL");
}

TEST_F(ExtractTest, VictimsOfANamedActAndWatersAreNoTargetsOrPlaces) {
  auto ev = Code("Egypt urged donors to end the suffering of Sudanese refugees.");
  for (const auto& e : ev) EXPECT_NE(e.target().country_code(), "SDN") << e.target().code();
  // "the Red Sea" is water, not Sudan's Red Sea state.
  ev = Code("Eritrean gunboats attacked fishing boats in the Red Sea on Monday.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_TRUE(ev[0].location().country_code().empty()) << ev[0].location().name();
}

TEST_F(ExtractTest, PluralPossessiveAndNegationWordsInsideNames) {
  auto ev = Code("Mali's junta turned down the separatists' request for a referendum.");
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev[0].cameo_root(), "12");
  EXPECT_EQ(ev[0].target().country_code(), "MLI");
  // "Without" inside an organisation's name negates nothing.
  ev = Code("Doctors Without Borders delivered medicines to Gaza City on Monday.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].source().known_group(), "MSF");
  // A real negation still drops the event.
  EXPECT_TRUE(Code("Doctors Without Borders did not deliver medicines to Gaza City.").empty());
}

TEST_F(ExtractTest, CountedSubjectWithAnObjectIsActive) {
  auto ev = Code("Three hundred protesters stormed the parliament in Tbilisi.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].source().code(), "GEOOPP");
  // Without an object the participle is still the victims' passive.
  ev = Code("The ministry said 40 soldiers killed near the border were buried on Monday.");
  for (const auto& e : ev) EXPECT_NE(e.source().role(), "MIL") << e.source().code();
}

TEST_F(ExtractTest, VerbalParticipleClauseIsItsOwnEventMaterialOneElaborates) {
  auto ev = Code("Rwanda recalled its ambassador from Kinshasa, accusing Congo of backing the rebels.");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].cameo_root(), "11");
  EXPECT_EQ(ev[1].source().country_code(), "RWA");
  // ", freeing 40 hostages" elaborates the raid: no second event.
  ev = Code("Colombian troops raided a rebel camp in Cauca, freeing 12 hostages.");
  for (size_t k = 1; k < ev.size(); ++k) EXPECT_EQ(ev[k].cameo_root(), ev[0].cameo_root()) << ev[k].cameo_code();
}

TEST_F(ExtractTest, ActsOnAnAgreementTargetItsParties) {
  auto ev = Code("Armenia and Azerbaijan agreed to a ceasefire on Monday.\n"
                 "The deal was brokered by Russia.\n"
                 "Armenia's parliament ratified the agreement on Friday.");
  int brokered = 0;
  for (const auto& e : ev) {
    if (e.source().country_code() == "RUS") {
      ++brokered;
      EXPECT_TRUE(e.target().country_code() == "ARM" || e.target().country_code() == "AZE") << e.target().code();
    }
    if (e.source().country_code() == "ARM" && e.evidence().sentence().find("ratified") != std::string::npos) {
      EXPECT_EQ(e.target().country_code(), "AZE");
    }
  }
  EXPECT_EQ(brokered, 2);
  // "a ceasefire" that is demanded is a new one, not the one reported before.
  ev = Code("Armenia and Azerbaijan agreed to a ceasefire on Monday.\n"
            "Iran demanded a ceasefire in Lebanon.");
  ASSERT_FALSE(ev.empty());
  EXPECT_NE(ev.back().target().country_code(), "ARM");
  EXPECT_NE(ev.back().target().country_code(), "LBN");
}

TEST_F(ExtractTest, ClauseBoundariesAroundSpeechAndSubordinators) {
  // A speaker after ", and" / "," starts a new clause: not a coordinated target.
  auto ev = Code("Spain delivered six tanks to Ukraine last week, officials said.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].target().country_code(), "UKR");
  // "X said it would ...": the pronoun is the speaker.
  ev = Code("Latvia closed a Russian consulate, and Estonia said it would recall its ambassador.");
  bool estonia = false;
  for (const auto& e : ev) estonia = estonia || e.source().country_code() == "EST";
  EXPECT_TRUE(estonia);
  // "after Russian troops withdrew": a clause subject after a conjunction.
  ev = Code("Villagers returned to their homes after Chadian troops withdrew from the area.");
  bool withdrawal = false;
  for (const auto& e : ev)
    if (e.cameo_root() == "08") {
      withdrawal = true;
      EXPECT_EQ(e.source().code(), "TCDMIL");
    }
  EXPECT_TRUE(withdrawal);
}

TEST_F(ExtractTest, DomesticYieldingIsTowardTheGovernment) {
  auto ev = Code("Ghanaian teachers' unions called off their strike on Tuesday.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cameo_root(), "08");
  EXPECT_EQ(ev[0].target().code(), "GHAGOV");
}

TEST_F(ExtractTest, DestructionByAViolentActIsThatActAtTheObjectsPlace) {
  auto ev = Code("A Russian missile strike destroyed a Kharkiv apartment block on Friday.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cameo_root(), "19");
  EXPECT_EQ(ev[0].location().country_code(), "UKR");
  EXPECT_EQ(ev[0].target().country_code(), "UKR");
}

// ---- Real-news review classes (each seen on real articles; sentences written here).

// Events of `ev` with CAMEO root `root`.
std::vector<v1::Event> WithRoot(const std::vector<v1::Event>& ev, std::string_view root) {
  std::vector<v1::Event> out;
  for (const v1::Event& e : ev)
    if (e.cameo_root() == root) out.push_back(e);
  return out;
}

TEST_F(ExtractTest, AHostIsNotTheTargetOfItsOwnMeeting) {
  // The earlier meeting's source is the host's own government: its guest is the target.
  auto ev = Code("The Norwegian foreign minister met Colombian negotiators in Oslo on Monday.\n"
                 "Norway hosted the meeting at a hotel outside the city.");
  auto hosted = WithRoot(ev, "04");
  ASSERT_EQ(hosted.size(), 2u);
  EXPECT_EQ(hosted[1].source().country_code(), "NOR");
  EXPECT_EQ(hosted[1].target().country_code(), "COL");
}

TEST_F(ExtractTest, AnAgentWithoutCountryTakesItsOwnContextNotTheSources) {
  auto ev = Code("French warplanes struck the insurgents' camps near Gao on Sunday.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].source().code(), "FRAMIL");
  EXPECT_EQ(ev[0].target().role(), "INS");
  EXPECT_EQ(ev[0].target().country_code(), "MLI");
  // Another country in the sentence is the agent's, not the source's.
  ev = Code("American diplomats accused the militants of attacking a convoy in Afghanistan.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].source().country_code(), "USA");
  EXPECT_EQ(ev[0].target().code(), "AFGINS");
  // With no other country named, the domestic reading stays.
  ev = Code("Nigerian troops killed 30 bandits in an ambush.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].target().country_code(), "NGA");
}

TEST_F(ExtractTest, VictimsNamedInTheObjectAreNotTheAddressee) {
  auto ev = Code("Georgia's government demanded a halt to the shelling of Georgian villages by Russian troops.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cameo_root(), "10");
  EXPECT_EQ(ev[0].source().code(), "GEOGOV");
  EXPECT_EQ(ev[0].target().code(), "RUSMIL");
  // An actor two "of"s deep belongs to a nominal inside the object.
  ev = Code("Kenya's envoy called for an end to the raids and the closure of the camps of the armed groups.");
  auto appeals = WithRoot(ev, "02");
  ASSERT_EQ(appeals.size(), 1u);
  EXPECT_EQ(appeals[0].target().code(), "");
}

TEST_F(ExtractTest, AParticipleClauseHasTheMainSubject) {
  // "He": the person who is the subject before, not the object in between.
  auto ev = Code("Kenya's interior minister Jane Wambui visited Mombasa on Monday.\n"
                 "She described the Tanzanian traders as partners while warning that smugglers would face arrest.");
  auto warnings = WithRoot(ev, "13");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].source().code(), "KENGOV");
  // A participle whose main clause has no actor as subject is no event of the
  // actor inside a by-phrase.
  ev = Code("Both sides said the truce brokered by Egypt would hold, offering hope to families in the city.");
  for (const v1::Event& e : ev) EXPECT_EQ(e.cameo_root(), "04") << e.cameo_code() << " " << e.evidence().trigger();
}

TEST_F(ExtractTest, AnUnresolvedHeIsNoEvent) {
  // No person named before: the pronoun is not resolved to a state, and the
  // object in between is not the source.
  auto ev = Code("He described the Somali traders as partners while warning that smugglers would face arrest.");
  EXPECT_TRUE(WithRoot(ev, "13").empty());
}

TEST_F(ExtractTest, ALastNameRefersToThePersonNamedBefore) {
  auto ev = Code("Taliban spokesman Zabihullah Mujahid spoke to reporters in Kabul on Monday.\n"
                 "Mujahid accused Pakistan of harbouring the attackers.");
  auto accusations = WithRoot(ev, "11");
  ASSERT_EQ(accusations.size(), 1u);
  EXPECT_EQ(accusations[0].source().known_group(), "TAL");
  EXPECT_EQ(accusations[0].target().country_code(), "PAK");
}

TEST_F(ExtractTest, TheSameActToldAgainIsOneEvent) {
  auto ev = Code("Qatar mediated talks between Sudan and Chad on Friday.\n"
                 "The talks, mediated by Qatar, ended without agreement.");
  size_t mediations = 0;
  for (const v1::Event& e : ev) mediations += e.cameo_code() == "045" && e.source().code() == "QAT";
  EXPECT_EQ(mediations, 2u);  // one per party, from the first sentence only (the second names none)
  for (const v1::Event& e : ev)
    if (e.cameo_code() == "045") {
      EXPECT_THAT(e.evidence().sentence(), HasSubstr("on Friday"));
    }
  // A Qatar-brokered truce names the broker, not a party to the truce.
  ev = Code("The Qatar-brokered ceasefire between the two sides remained in place on Sunday.");
  for (const v1::Event& e : ev) EXPECT_NE(e.source().code(), "QAT") << e.cameo_code();
}

TEST_F(ExtractTest, AnAgentTakesItsCountryWithinItsClause) {
  auto ev = Code("The Pakistani army reported two attacks in Bajaur and said the delegations were negotiating in Turkey.");
  for (const v1::Event& e : ev)
    if (e.cameo_root() == "04") {
      EXPECT_NE(e.source().country_code(), "TUR");
    }
  // Police belong where their clause happens.
  ev = Code("Kenyan police dispersed protesters in Nairobi, and in Kampala the police detained an opposition leader.");
  auto arrests = WithRoot(ev, "17");
  ASSERT_FALSE(arrests.empty());
  EXPECT_EQ(arrests.back().source().code(), "UGACOP");
}

TEST_F(ExtractTest, AnotherIsOneMoreOfTheMainSubjectsKind) {
  auto ev = Code("A Nigerian official said the talks had stalled, while another denied that the rebels had attacked the town.");
  auto denials = WithRoot(ev, "01");
  ASSERT_EQ(denials.size(), 1u);
  EXPECT_EQ(denials[0].source().code(), "NGAGOV");
}

TEST_F(ExtractTest, ANominalAfterAStanceVerbIsNoEvent) {
  // What the speaker claims about talks is no talks held by the speaker.
  auto ev = Code("Although the rebels claimed the peace negotiations were off the table, envoys kept calling.");
  EXPECT_TRUE(WithRoot(ev, "04").empty());
}

TEST_F(ExtractTest, AGoverningGroupIsItsCapitalsGovernment) {
  // After August 2021 the Taliban are Afghanistan's government: "Kabul" is their own side ...
  auto ev = Code("The Taliban warned Pakistan that Kabul would defend its borders.", {2025, 3, 1});
  for (const v1::Event& e : ev) EXPECT_NE(e.target().code(), "AFGGOV") << e.cameo_code();
  // ... before, another party.
  ev = Code("The Taliban refused to hold talks with Kabul.", {2016, 3, 1});
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].target().code(), "AFGGOV");
}

TEST_F(ExtractTest, ASecondVerbKeepsThePronounSubject) {
  auto ev = Code("Chile's foreign minister Ana Rojas met the Bolivian envoy in Santiago on Monday.\n"
                 "She thanked Bolivia for its help and urged Peru to join the talks.");
  auto appeals = WithRoot(ev, "02");
  ASSERT_EQ(appeals.size(), 1u);
  EXPECT_EQ(appeals[0].source().code(), "CHLGOV");
  EXPECT_EQ(appeals[0].target().country_code(), "PER");
}

TEST_F(ExtractTest, AParticipleAfterAnObjectIsAReducedRelative) {
  // The detainees are the object of "free", not the source of a detention.
  auto ev = Code("Norway urged the government to free the activists detained in Minsk.");
  for (const v1::Event& e : ev) EXPECT_NE(e.cameo_root(), "17") << e.source().code();
  // "the government" is not Norway's own: the place of the act names it.
  auto appeals = WithRoot(ev, "02");
  ASSERT_EQ(appeals.size(), 1u);
  EXPECT_EQ(appeals[0].target().code(), "BLRGOV");
  // A person in office is not from the place of an embassy abroad.
  ev = Code("Bolivia granted asylum to the former interior minister at its embassy in Lima.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].target().country_code(), "BOL");
}

TEST_F(ExtractTest, BrokeringATruceIsMediation) {
  auto ev = Code("Kenya brokered a truce between Ethiopia and Eritrea on Sunday.");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].cameo_code(), "045");
  EXPECT_EQ(ev[0].source().code(), "KEN");
}

TEST_F(ExtractTest, TheActsOfADemandedThatClauseAreNotDone) {
  auto ev = Code("Kenya demanded that Somalia arrest and hand over the gunmen behind the raid.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cameo_root(), "10");
  EXPECT_EQ(ev[0].target().country_code(), "SOM");
}

TEST_F(ExtractTest, ANominalInAClauseThatOnlySupposesItIsNoEvent) {
  // "until sanctions were lifted", "if an embargo is imposed": the sanctions
  // are a condition, not an act of this report; the refusal still is one.
  auto ev = Code(
      "A government spokesman told reporters that Caracas would not yield to pressure and refused to allow "
      "further visits by the United Nations monitors until Western sanctions were lifted.");
  EXPECT_TRUE(WithRoot(ev, "16").empty()) << WithRoot(ev, "16")[0].source().code();
  EXPECT_EQ(WithRoot(ev, "12").size(), 1u);
  // A nominal that is reported as done stays an event.
  auto done = Code("Washington announced sanctions on the Venezuelan oil company on Friday.");
  EXPECT_FALSE(WithRoot(done, "16").empty());
}

TEST_F(ExtractTest, CompanyAndMarketNewsIsNoPoliticalEvent) {
  // Executives, firms named with a demonym, crop yields, market demand, "targeted" prices.
  for (const char* text : {"Computer maker Acme Corp said its president resigned for personal reasons.",
                           "British Airways asked its pilots to accept a pay freeze.",
                           "Irish yields fell to a ten-year low last season.",
                           "Strong domestic demand for natural gas lifted imports in March.",
                           "No company has been targeted by the bidders yet."}) {
    auto ev = Code(text);
    EXPECT_TRUE(ev.empty()) << text << " -> " << (ev.empty() ? "" : ev[0].cameo_code() + " " + ev[0].source().code());
  }
  // A country inside a firm's name is not the state; a compass point still names one.
  auto firm = Code("Shareholders of Air Canada agreed to the merger with a rival.");
  EXPECT_TRUE(firm.empty()) << firm[0].cameo_code() << " " << firm[0].source().code();
  auto west = Code("The ministers urged West Germany to lift the ban.", {1987, 3, 2});
  ASSERT_EQ(WithRoot(west, "02").size(), 1u);
  EXPECT_EQ(WithRoot(west, "02")[0].target().country_code(), "DEU");
  // A state's demand stays one.
  auto ev = Code("Greece renewed its demand for the return of the marbles from Britain.");
  EXPECT_FALSE(WithRoot(ev, "10").empty());
}

TEST_F(ExtractTest, SanctionsAfterAnObjectNameAreANounNotAVerb) {
  // A hypothetical nominal after "of" or a verb's object is no act of the name before it.
  for (const char* text : {"The envoys warned that the vote could lead to the return of European Union sanctions.",
                           "Paris said a new raid on its base would trigger United Nations sanctions against the junta."}) {
    auto ev = Code(text);
    EXPECT_TRUE(WithRoot(ev, "16").empty()) << text << " -> " << WithRoot(ev, "16")[0].source().code();
  }
  // A name opening its clause still acts: "the EU sanctions ..." in a headline-style present.
  // After a count the name is a modifier too: "Houthi targets" are things hit, not a verb.
  auto targets = Code("Britain carried out air strikes on more than a dozen Houthi targets on Friday.");
  for (const auto& e : targets) EXPECT_NE(e.source().known_group(), "HOU") << e.cameo_code();
  auto ev = Code("The European Union imposed sanctions on Belarus on Monday.");
  ASSERT_EQ(WithRoot(ev, "16").size(), 1u);
  EXPECT_EQ(WithRoot(ev, "16")[0].target().country_code(), "BLR");
}

TEST_F(ExtractTest, RefusalIsNotAimedAtWhatItsComplementIsAbout) {
  // Alone: no target rather than the families the assurances are about.
  auto alone = Code("Serbia refused to give assurances about the safety of ethnic Albanian families in the north.");
  ASSERT_EQ(WithRoot(alone, "12").size(), 1u);
  EXPECT_EQ(WithRoot(alone, "12")[0].target().code(), "");
  // At talks: the other side of the talks is the party asked.
  auto ev = Code(
      "Ethiopian negotiators met Eritrean officials in Djibouti on Monday.\n"
      "The Ethiopian delegation refused to provide guarantees regarding the return of Eritrean refugees.");
  ASSERT_EQ(WithRoot(ev, "12").size(), 1u);
  EXPECT_EQ(WithRoot(ev, "12")[0].source().country_code(), "ETH");
  EXPECT_EQ(WithRoot(ev, "12")[0].target().code(), "ERIGOV");
}

TEST_F(ExtractTest, VenueDatelineGivesNoCountryToThePartiesOfAnAct) {
  CleanArticle a = Article(
      "OSLO - Negotiators for the Philippine government and communist rebels resumed talks on Monday.\n"
      "The rebels said they would free five captured soldiers as a goodwill gesture.",
      {2025, 3, 10});
  a.dateline = "OSLO";
  auto ev = extractor_->Extract(a, StoryOf("s1"));
  ASSERT_EQ(WithRoot(ev, "03").size(), 1u);
  EXPECT_EQ(WithRoot(ev, "03")[0].target().country_code(), "PHL");
}

TEST_F(ExtractTest, BareGovernmentIsTheArticlesCountryNotALaterName) {
  auto ev = Code(
      "Pakistan's foreign office accused Afghan officials on Tuesday of failing to stop border raids.\n"
      "Pakistan's army said the raids had stopped.\n"
      "The government also rejected a statement issued by Washington on the clashes.");
  ASSERT_EQ(WithRoot(ev, "12").size(), 1u);
  EXPECT_EQ(WithRoot(ev, "12")[0].source().code(), "PAKGOV");
  EXPECT_EQ(WithRoot(ev, "12")[0].target().country_code(), "USA");
}

TEST_F(ExtractTest, NegotiatorsOfTwoSidesMeetBothWays) {
  // A group's bracketed acronym and head noun continue its name; both sides are parties.
  auto ev = Code("Envoys of the Colombian government and the National Liberation Army (ELN) rebel group met in "
                 "Mexico City on Friday.");
  ASSERT_EQ(WithRoot(ev, "04").size(), 2u);
  EXPECT_EQ(WithRoot(ev, "04")[0].source().code(), "COLGOV");
  EXPECT_EQ(WithRoot(ev, "04")[0].target().code(), "ELN");
  EXPECT_EQ(WithRoot(ev, "04")[1].source().code(), "ELN");
  // An adjective may open the second conjunct; the two share their country.
  auto adj = Code("Negotiators for the Philippine government and communist rebels met in Oslo on Friday.");
  ASSERT_EQ(WithRoot(adj, "04").size(), 2u);
  EXPECT_EQ(WithRoot(adj, "04")[0].target().code(), "PHLREB");
  EXPECT_EQ(WithRoot(adj, "04")[1].target().code(), "PHLGOV");
}

TEST_F(ExtractTest, HostOfReferredTalksHostsBothSides) {
  auto ev = Code(
      "Armenian and Azerbaijani negotiators held talks on Monday.\n"
      "Kazakhstan hosted this round of talks in Almaty.");
  std::vector<std::string> guests;
  for (const auto& e : WithRoot(ev, "04"))
    if (e.source().country_code() == "KAZ") guests.push_back(e.target().country_code());
  EXPECT_THAT(guests, ::testing::UnorderedElementsAre("ARM", "AZE"));
}

TEST_F(ExtractTest, AgentlessParticipleDescribingANounIsBackground) {
  for (const char* text : {"Files on Iraqi men detained in earlier raids were handed to the inspectors.",
                           "The lawyers said dozens of activists arrested in raids last year were freed.",
                           "Reports of Malian soldiers killed in the north were denied by the army."}) {
    auto ev = Code(text);
    EXPECT_TRUE(WithRoot(ev, "17").empty() && WithRoot(ev, "19").empty()) << text << " -> " << ev[0].cameo_code();
  }
  // "accused of" after a counted group describes them: the expulsion is the only event.
  auto expelled = Code("Kenya expelled 30 Somali traders accused of smuggling sugar.");
  EXPECT_TRUE(WithRoot(expelled, "11").empty()) << WithRoot(expelled, "11")[0].source().code();
  EXPECT_EQ(WithRoot(expelled, "17").size(), 1u);
  // The later verb's by-phrase stays its own: the army denied.
  auto ev = Code("Reports of Malian soldiers killed in the north were denied by the army.");
  ASSERT_EQ(WithRoot(ev, "01").size(), 1u);
  EXPECT_EQ(WithRoot(ev, "01")[0].source().code(), "MLIMIL");
  // A passive with its agent is still an event.
  auto agent = Code("Dozens of activists were arrested by police in Harare on Monday.");
  ASSERT_EQ(WithRoot(agent, "17").size(), 1u);
}

TEST_F(ExtractTest, ActDatedAfterPublicationIsPlanned) {
  // Published on Wednesday 15 May 2024: "next Tuesday" is the 21st.
  const std::string text = "The speaker said the Irish parliament meets next Tuesday to elect a prime minister.";
  CleanArticle a = Article(text);
  a.dates = FindDates(text, a.publication_date);
  auto meet = extractor_->Extract(a, StoryOf("s1"));
  ASSERT_EQ(WithRoot(meet, "03").size(), 1u);
  EXPECT_EQ(WithRoot(meet, "03")[0].cameo_code(), "036");
  EXPECT_EQ(WithRoot(meet, "03")[0].modality(), "planned");
  EXPECT_TRUE(WithRoot(meet, "04").empty());
  // The same act on a past day stays what it is.
  auto past = Code("Iraqi troops attacked Iranian positions near Basra on Tuesday.");
  ASSERT_EQ(WithRoot(past, "19").size(), 1u);
}

TEST_F(ExtractTest, CountryNameQualifyingANounIsNoParty) {
  // "the Paris meeting", "the Iran arms sales": topic or place of the noun, not the state.
  for (const char* text : {"The franc firmed on the day after the Paris meeting of finance officials.",
                           "Profits from the Iran arms sales were sent to a bank in Geneva."}) {
    auto ev = Code(text);
    for (const auto& e : ev)
      EXPECT_TRUE(e.source().country_code() != "FRA" && e.source().country_code() != "IRN")
          << text << " -> " << e.cameo_code() << " " << e.source().code();
  }
  // A verb or auxiliary after the name keeps it the actor.
  auto ev = Code("The Philippines will sign the loan accord with Japan on Monday.");
  ASSERT_FALSE(WithRoot(ev, "05").empty());
  EXPECT_EQ(WithRoot(ev, "05")[0].source().country_code(), "PHL");
}

TEST_F(ExtractTest, ViewsDealsAndConditionsAreNoCommitments) {
  for (const char* text : {"Several Brazilian officials agreed that the main obstacle to growth is high interest rates.",
                           "The Canadian unit agreed in principle to buy a 40 pct stake in a Mexican brewer.",
                           "Analysts said that if Canada did decide to offer grain credits to Cuba, it would take months.",
                           "Officials in Ottawa would not say whether Canada intended to offer grain credits to Cuba."}) {
    auto ev = Code(text);
    EXPECT_TRUE(WithRoot(ev, "03").empty()) << text << " -> " << WithRoot(ev, "03")[0].cameo_code();
  }
  // An agreement to act between states is one.
  auto ev = Code("Nigeria and Ghana agreed to set up a joint border commission.");
  EXPECT_FALSE(WithRoot(ev, "03").empty());
}

TEST_F(ExtractTest, UnknownNameBeforeTheVerbIsItsSubject) {
  // Not the countries of the leading phrase nor the speaker of another clause.
  auto trip = Code("After stops in France and Italy, Zelnor hopes to visit Canada next week.");
  for (const auto& e : trip)
    EXPECT_TRUE(e.source().country_code() != "FRA" && e.source().country_code() != "ITA") << e.source().code();
  auto deal = Code("An Italian newspaper said Veranto has agreed to merge its plants.");
  for (const auto& e : deal) EXPECT_NE(e.source().country_code(), "ITA") << e.cameo_code();
  // A known actor right before the verb still is.
  auto ev = Code("After stops in France and Italy, the Brazilian minister flew to Canada.");
  ASSERT_FALSE(WithRoot(ev, "04").empty());
  EXPECT_EQ(WithRoot(ev, "04")[0].source().country_code(), "BRA");
}

TEST_F(ExtractTest, WeaponsAndMarketDemandAreNoEvents) {
  for (const char* text : {"The army wants a missile to protect its troops from Soviet attack helicopters.",
                           "Prices rose on increasing Soviet demand for grain this month."}) {
    auto ev = Code(text);
    EXPECT_TRUE(WithRoot(ev, "19").empty() && WithRoot(ev, "10").empty()) << text << " -> " << ev[0].cameo_code();
  }
}

TEST_F(ExtractTest, MeetingNounNeedsTwoParties) {
  // A body's own session is no interaction.
  auto cabinet = Code("Kenya's finance minister spoke to reporters after the cabinet meeting on Tuesday.");
  EXPECT_TRUE(WithRoot(cabinet, "04").empty()) << WithRoot(cabinet, "04")[0].source().code();
  // Talks held by coordinated parties are between them.
  auto talks = Code("Chilean and Peruvian negotiators opened talks on the maritime border on Monday.");
  ASSERT_EQ(WithRoot(talks, "04").size(), 2u);
  EXPECT_EQ(WithRoot(talks, "04")[0].target().country_code(), "PER");
  EXPECT_EQ(WithRoot(talks, "04")[1].target().country_code(), "CHL");
}

TEST_F(ExtractTest, DelegationsOfTheTwoSidesAreTheLatestDyad) {
  auto ev = Code(
      "Sudan's army held talks with the Rapid Support Forces in Jeddah on Monday.\n"
      "The militia's leaders said a truce was near while the delegations of both sides were negotiating.");
  std::vector<std::string> pairs;
  for (const auto& e : WithRoot(ev, "04"))
    if (e.evidence().sentence().starts_with("The militia")) pairs.push_back(e.source().code() + ">" + e.target().code());
  EXPECT_THAT(pairs, ::testing::UnorderedElementsAre("SDNMIL>RSF", "RSF>SDNMIL"));
}

TEST_F(ExtractTest, ThoseInAttendanceAreNoParty) {
  auto ev = Code("Norway held talks with Colombian officials in Oslo with Cuban diplomats present.");
  ASSERT_EQ(WithRoot(ev, "04").size(), 1u);
  EXPECT_EQ(WithRoot(ev, "04")[0].target().country_code(), "COL");
  auto obs = Code("Kenya hosted talks with Ethiopian envoys in attendance.");
  for (const auto& e : WithRoot(obs, "04")) EXPECT_NE(e.target().country_code(), "ETH");
}

TEST_F(ExtractTest, LocalAgentBelongsToThePlaceNotToItsVictim) {
  auto ev = Code("Gunmen abducted two Italian engineers near Kano on Monday.");
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev[0].source().country_code(), "NGA");
  EXPECT_EQ(ev[0].target().country_code(), "ITA");
  auto police = Code("Police arrested a British journalist in Tehran on Friday.");
  ASSERT_FALSE(police.empty());
  EXPECT_EQ(police[0].source().code(), "IRNCOP");
}

TEST_F(ExtractTest, RelativeClauseBetweenCommasDescribesItsActor) {
  auto ev = Code("Norway, which has mediated between Colombia and the rebels, criticised the new attacks.");
  EXPECT_TRUE(WithRoot(ev, "04").empty()) << WithRoot(ev, "04")[0].cameo_code();
  EXPECT_FALSE(WithRoot(ev, "11").empty());
  auto whose = Code("France, whose troops are deployed in Chad, urged both sides to talk.");
  EXPECT_TRUE(WithRoot(whose, "15").empty()) << WithRoot(whose, "15")[0].cameo_code();
  // A present act in such a clause is news: "the government, which threatens to expel them, ...".
  auto now = Code("The rebels met the envoy despite pressure from the Sudanese government, which threatens to "
                  "expel them, and from their allies.");
  EXPECT_FALSE(WithRoot(now, "13").empty());
  // At the end of the sentence it is news: "..., which killed 12 people."
  auto end = Code("Rebels attacked an army post in Kidal, which killed 12 soldiers.");
  EXPECT_FALSE(WithRoot(end, "19").empty());
}

TEST_F(ExtractTest, WarningWithNoActorIsAPessimisticComment) {
  auto ev = Code("Peru's central bank warned that mining exports would shrink this year.");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cameo_code(), "012");
  // A warning about what an actor would do stays a threat.
  auto threat = Code("Iran warned that its navy would close the strait.");
  ASSERT_FALSE(threat.empty());
  EXPECT_EQ(threat[0].cameo_root(), "13");
}

TEST_F(ExtractTest, SeizingPowerAndNominalsUnderDroppedVerbs) {
  auto coup = Code("The Malian army said it had seized power and dissolved the government.");
  EXPECT_TRUE(WithRoot(coup, "17").empty()) << WithRoot(coup, "17")[0].cameo_code();
  auto veto = Code("Poland blocked an EU resolution condemning Belarus's crackdown on protesters.");
  for (const auto& e : WithRoot(veto, "17")) EXPECT_NE(e.source().country_code(), "BLR") << e.cameo_code();
}

TEST(ExtractLoadTest, BadDictionaryLineIsNamed) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("extract_bad_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::copy(EVENTWIRE_SOURCE_DIR "/data", dir, fs::copy_options::recursive);
  {
    std::ofstream out(dir / "verbs.tsv", std::ios::app);
    out << "999\tfrobnicate\n";
  }
  auto e = Extractor::Load({.data_dir = dir.string()});
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(std::string(e.status().message()), HasSubstr("verbs.tsv:"));
  EXPECT_THAT(std::string(e.status().message()), HasSubstr("unknown CAMEO code 999"));
  fs::remove_all(dir);
}

TEST(ExtractLoadTest, MissingDirectoryIsAnError) {
  auto e = Extractor::Load({.data_dir = "/nonexistent/eventwire-data"});
  EXPECT_FALSE(e.ok());
}

}  // namespace
}  // namespace eventwire
